# CIFAR-10 as an ImageFolder tree (data_root/train/<class>/*.jpg and
# data_root/test/<class>/*.jpg, e.g. cifar10-{train,test}.tar.gz unpacked).
# MEC's asymmetric views scaled to 32 px: RandomResizedCrop(32, (0.2, 1)),
# ColorJitter(0.4, 0.4, 0.2, 0.1) p=0.8, grayscale p=0.2, flip; view 2 adds
# solarize p=0.2. No Gaussian blur: at 32 px a sigma of 0.1-2 px erases the
# image (the CIFAR recipes of SimSiam / lightly drop it too).
data_root = 'data/cifar10/'
mean = [125.307, 122.961, 113.8575]
std = [51.5865, 50.847, 51.255]
data_preprocessor = dict(type='SelfSupDataPreprocessor', mean=mean, std=std, to_rgb=True)


def _view(solarize_prob):
    return [
        dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.), backend='pillow'),
        dict(type='RandomApply',
             transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                              saturation=0.2, hue=0.1)],
             prob=0.8),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='Solarize', thr=128, prob=solarize_prob),
        dict(type='RandomFlip', prob=0.5),
    ]


mec_views = [_view(0.0), _view(0.2)]
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),  # errors name the file
    dict(type='MultiView', num_views=[1, 1], transforms=mec_views),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=512,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='train',
                 with_label=False, pipeline=train_pipeline))

# k-NN evaluation (tools/analysis/knn_eval.py): labelled splits, no augmentation.
knn_data_preprocessor = dict(type='ClsDataPreprocessor', mean=mean, std=std, to_rgb=True)
_eval_pipeline = [dict(type='LoadImageFromFileChecked'), dict(type='PackInputs')]
knn_train_dataloader = dict(
    batch_size=256, num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='train',
                 pipeline=_eval_pipeline))
knn_test_dataloader = dict(
    batch_size=256, num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='test',
                 pipeline=_eval_pipeline))
