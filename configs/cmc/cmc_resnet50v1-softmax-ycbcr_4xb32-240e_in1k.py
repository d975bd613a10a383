# The README's recommended variant: YCbCr views (Y | CbCr, 0.5-1% better),
# softmax cross-entropy over K+1 (no Z), K = 16384.
_base_ = ['./cmc_resnet50v1_4xb32-240e_in1k.py']
model = dict(loss='softmax', num_noise=16384)
_ycbcr = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.),
         interpolation='bilinear', backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBToYCbCr'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=_ycbcr))
_eval = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='RGBToYCbCr'),
    dict(type='PackInputs'),
]
knn_train_dataloader = dict(dataset=dict(pipeline=_eval))
knn_test_dataloader = dict(dataset=dict(pipeline=_eval))
