# Fashion-MNIST (28 x 28 grayscale) from its IDX files, through mmpretrain's
# FashionMNIST dataset: data_root holds the four uncompressed
# *-ubyte files (tools/quickstart.sh unpacks Debian's dataset-fashion-mnist).
# Grayscale needs no colour augmentation: two random crops (scale 0.2-1) with
# flips; view 2 adds solarize p=0.2, keeping MEC's asymmetry.
data_root = 'data/fashion-mnist/'
mean = [72.94]
std = [90.02]
data_preprocessor = dict(type='SelfSupDataPreprocessor', mean=mean, std=std)


def _view(solarize_prob):
    return [
        dict(type='RandomResizedCrop', scale=28, crop_ratio_range=(0.2, 1.), backend='pillow'),
        dict(type='Solarize', thr=128, prob=solarize_prob),
        dict(type='RandomFlip', prob=0.5),
    ]


train_pipeline = [
    dict(type='MultiView', num_views=[1, 1], transforms=[_view(0.0), _view(0.2)]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FashionMNIST', data_root=data_root, test_mode=False,
                 download=False, pipeline=train_pipeline))

knn_data_preprocessor = dict(type='ClsDataPreprocessor', mean=mean, std=std)
_eval_pipeline = [dict(type='PackInputs')]
knn_train_dataloader = dict(
    batch_size=512, num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FashionMNIST', data_root=data_root, test_mode=False,
                 download=False, pipeline=_eval_pipeline))
knn_test_dataloader = dict(
    batch_size=512, num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FashionMNIST', data_root=data_root, test_mode=True,
                 download=False, pipeline=_eval_pipeline))
