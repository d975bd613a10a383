# CIFAR-10 for DISSL / CISSL: the ISSL TinyImageNet SimCLR-style views
# (utils/data/augmentations/simclr.py) scaled to 32 px, the same pipeline for
# both crops: RandomResizedCrop(32, (0.2, 1), bicubic), flip 0.5,
# ColorJitter(0.4, 0.4, 0.4, 0.1) p=0.8, grayscale p=0.1, no blur.
# Data root, normalisation and the k-NN loaders come from cifar10_mec.py.
_base_ = './cifar10_mec.py'
issl_view = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.), interpolation='bicubic',
         backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4,
                          hue=0.1)],
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
