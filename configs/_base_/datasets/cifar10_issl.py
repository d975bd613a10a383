# CIFAR-10 for DISSL / CISSL: ISSL's SimCLR-style views for CIFAR-10
# (utils/data/augmentations/simclr.py, its "cifar10" branch), the same pipeline
# for both crops: RandomResizedCrop(32, (0.2, 1), bicubic), flip 0.5,
# ColorJitter(0.2, 0.2, 0.2, 0.05) p=0.8, grayscale p=0.1, no blur (the
# TinyImageNet / STL-10 branch has jitter 0.4, 0.4, 0.4, 0.1).
# Data root, normalisation and the k-NN loaders come from cifar10_mec.py.
_base_ = './cifar10_mec.py'
issl_view = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.), interpolation='bicubic',
         backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2,
                          hue=0.05)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.1, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
]
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),  # errors name the file
    dict(type='MultiView', num_views=2, transforms=[issl_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
