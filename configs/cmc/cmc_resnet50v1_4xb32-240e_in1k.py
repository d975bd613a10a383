# CMC resnet50v1: two ResNet-50s at width 0.5 (L and ab), ImageNet-1k, batch 128 (4 GPUs x 32,
# the README's command), crop scale (0.08, 1). Details: docs/methods/cmc.md#configs.
_base_ = [
    '../_base_/models/cmc_resnet50.py',
    '../_base_/datasets/imagenet_cmc.py',
    '../_base_/schedules/cmc_sgd_steplr_240e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    n_data=1281167,
    backbone=dict(encoder=dict(base_channels=32)),
    neck=dict(in_channels=1024))
train_dataloader = dict(
    batch_size=32,
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFileChecked'),
        dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.),
             interpolation='bilinear', backend='pillow'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='RGBToLab'),
        dict(type='PackInputs'),
    ]))
model_wrapper_cfg = dict(type='MMDistributedDataParallel', broadcast_buffers=False)
