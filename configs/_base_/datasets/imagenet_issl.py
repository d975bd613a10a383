# ImageNet for DISSL / CISSL (the author's VISSL fork, 2 x 224 "m2" runs): both
# crops RandomResizedCrop(224, (0.08, 1)), ImgPilColorDistortion(strength 1)
# = ColorJitter(0.8, 0.8, 0.8, 0.2) p=0.8 + grayscale p=0.2, Gaussian blur
# p=0.5 (radius 0.1-2), flip; 320 images per GPU. Loader settings and
# normalisation come from imagenet_mec.py.
_base_ = './imagenet_mec.py'
issl_view = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.), backend='pillow'),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.8, contrast=0.8, saturation=0.8,
                          hue=0.2)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),  # errors name the file
    dict(type='MultiView', num_views=2, transforms=[issl_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=320, dataset=dict(pipeline=train_pipeline))
