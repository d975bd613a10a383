# The small-model MoCo augmentation at CIFAR scale (ImageFolder tree in
# data/cifar10/{train,test}): the ImageNet recipe of imagenet_mocosmall.py
# with 32 px crops -- RandomResizedCrop(32, (0.2, 1)), ColorJitter(0.8, 0.8,
# 0.8, 0.4) p 0.8, grayscale p 0.5, flip; both views the same pipeline.
# No Gaussian blur: sigma 0.1-2 px is meant for 224 px images and erases a
# 32 px one (the CIFAR recipes of SimSiam / lightly drop it too; the paper has
# no CIFAR pre-training). Add it back with
#   dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5)
# The normalisation, data root and k-NN loaders are MEC's (cifar10_mec.py).
_base_ = './cifar10_mec.py'

view_pipeline = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.), backend='pillow'),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.8, contrast=0.8,
                          saturation=0.8, hue=0.4)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.5, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=512, dataset=dict(pipeline=train_pipeline))
