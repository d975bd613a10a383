# Linear probe of CMC resnet50v1 (official LinearProbing.py --layer 6): both views' pooled layer4,
# 2 x 1024 = 2048 features -> Linear, lr 30. Details and usage: docs/methods/cmc.md#configs.
_base_ = ['../_base_/datasets/imagenet_cmc_linear.py', '../_base_/default_runtime.py']
# the official script reports the best val top-1 over the epochs
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2, save_best='auto'))
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CMCSplitBackbone', view_channels=(1, 2), frozen=True,
                  encoder=dict(type='ResNet', depth=50, stem_channels=64, base_channels=32,
                               out_indices=(3, ), norm_cfg=dict(type='BN')),
                  init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048,
              loss=dict(type='CrossEntropyLoss'), topk=(1, 5),
              init_cfg=dict(type='Normal', std=0.01, layer='Linear')))
optim_wrapper = dict(optimizer=dict(lr=30.))
# LinearProbing.py sets crop_low 0.08 for every ResNet on ImageNet (0.2 is its
# default, kept by the AlexNet probe): the base pipeline with that one value
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFileChecked'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.),
         interpolation='bilinear', backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBToLab'),
    dict(type='PackInputs'),
]))
