# The strengthened augmentation of the small-model MoCo baseline (Shi et al.,
# arXiv 2107.14762; official main_moco_final.py with the README's --cj 1.
# --grey-scale 0.5 --gaussian-blur 0.5): both views from the same pipeline,
#   RandomResizedCrop(224, scale (0.2, 1), bilinear)
#   ColorJitter(0.8, 0.8, 0.8, 0.4) with p 0.8   (0.8*cj x3, min(0.5, 0.4*cj))
#   RandomGrayscale p 0.5
#   PIL GaussianBlur sigma ~ U[0.1, 2] with p 0.5
#   horizontal flip, ImageNet mean / std.
# The ImageNet data set, loader settings and preprocessor are MEC's
# (imagenet_mec.py); only the training pipeline differs.
_base_ = './imagenet_mec.py'

view_pipeline = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.),
         interpolation='bilinear', backend='pillow'),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.8, contrast=0.8,
                          saturation=0.8, hue=0.4)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.5, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
# 8 GPUs x 64 = the official total batch of 512
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
