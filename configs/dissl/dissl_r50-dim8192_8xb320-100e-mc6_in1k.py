# DISSL d = 8192 with multi-crop, 100 epochs: the author's VISSL run
# "dissl_e100_d8192_m6" (README: 70.7 % linear top-1, 88.5 % top-5).
# 2 global crops RandomResizedCrop(160, (0.14, 1)) + 4 local crops
# RandomResizedCrop(96, (0.05, 0.14)) (ImgPilToMultiCrop in the VISSL m6
# config), each followed by the same colour distortion (strength 1), blur
# p=0.5 and flip as the 2 x 224 runs. MultiView yields the 2 globals first;
# DISSL runs the backbone once per resolution, the teacher head on the 2
# globals only and the student head on all 6 crops; the distillation CE is
# the uniform mean over the 10 pairs (teacher crop i, student crop q != i)
# (VISSL's MULTI_RES_SPLIT_CROPS [[0, 1], [0, null]]).
#   tools/dist_train.sh configs/dissl/dissl_r50-dim8192_8xb320-100e-mc6_in1k.py 8
_base_ = './dissl_r50-dim8192_8xb320-100e_in1k.py'


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


global_view = _view(160, (0.14, 1.))
local_view = _view(96, (0.05, 0.14))
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),  # errors name the file
    dict(type='MultiView', num_views=[2, 4], transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
