# Multi-crop ImageNet for DISSL (the author's VISSL fork, ImgPilToMultiCrop):
# 2 global crops RandomResizedCrop(G, (0.14, 1)) + N local crops
# RandomResizedCrop(96, (0.05, 0.14)), each followed by the colour distortion
# (strength 1), blur p=0.5 and flip of the 2 x 224 runs (imagenet_issl.py).
#   m6 (e100 / e400 runs): G = 160, N = 4 -- train_pipeline below
#   m8 (e800 run):         G = 224, N = 6 -- mc8_pipeline, which a config selects with
#                          train_dataloader = dict(dataset=dict(pipeline={{_base_.mc8_pipeline}}))
# MultiView yields the globals first; DISSL runs the backbone once per
# resolution, the teacher head on the 2 globals only and the student head on
# every crop (VISSL's MULTI_RES_SPLIT_CROPS [[0, 1], [0, null]]).
_base_ = './imagenet_issl.py'


def _view(size, crop_ratio_range):
    return [
        dict(type='RandomResizedCrop', scale=size, crop_ratio_range=crop_ratio_range,
             backend='pillow'),
        dict(type='RandomApply',
             transforms=[dict(type='ColorJitter', brightness=0.8, contrast=0.8, saturation=0.8,
                              hue=0.2)],
             prob=0.8),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
        dict(type='RandomFlip', prob=0.5),
    ]


def _multicrop(global_size, num_local):
    return [
        dict(type='LoadImageFromFileChecked'),  # errors name the file
        dict(type='MultiView', num_views=[2, num_local],
             transforms=[_view(global_size, (0.14, 1.)), _view(96, (0.05, 0.14))]),
        dict(type='PackInputs'),
    ]


train_pipeline = _multicrop(160, 4)
mc8_pipeline = _multicrop(224, 6)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
