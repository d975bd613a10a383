# Fashion-MNIST (28 x 28 grayscale, mmpretrain's FashionMNIST; data_root holds the
# four uncompressed *-ubyte files), decoded once into memory; the two views are made
# per batch on the model's device by BatchAugmentPreprocessor
# (docs/methods/mec.md#the-quick-start-recipe).
data_root = 'data/fashion-mnist/'
mean = [72.94]
std = [90.02]


def _view(solarize_prob):
    return [
        dict(type='RandomResizedCrop', scale=28, crop_ratio_range=(0.2, 1.), backend='pillow'),
        dict(type='Solarize', thr=128, prob=solarize_prob),
        dict(type='RandomFlip', prob=0.5),
    ]


data_preprocessor = dict(type='BatchAugmentPreprocessor', views=[_view(0.0), _view(0.2)],
                         mean=mean, std=std, channels_last=True)
_train_split = dict(type='FashionMNIST', data_root=data_root, test_mode=False, download=False,
                    pipeline=[])
_test_split = dict(_train_split, test_mode=True)
train_dataloader = dict(
    batch_size=256,
    num_workers=0,  # nothing to decode: workers would only compete for the cores
    persistent_workers=False,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='InMemoryImages', dataset=_train_split))

knn_data_preprocessor = dict(type='ClsDataPreprocessor', mean=mean, std=std)
# the k-NN memory: 20,000 training images spread over the (class-mixed) IDX file
knn_train_dataloader = dict(
    batch_size=512, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='InMemoryImages',
                 dataset=dict(type='SpreadSubset', num_samples=20000, dataset=_train_split)))
knn_test_dataloader = dict(
    batch_size=512, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='InMemoryImages', dataset=_test_split))
