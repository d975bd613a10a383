# Linear probe of CMC's split AlexNet at conv5 (official LinearProbing.py --layer 5): 9216
# features -> Linear(9216, 1000), lr 0.1. Details and usage: docs/methods/cmc.md#configs.
_base_ = ['../_base_/datasets/imagenet_cmc_linear.py', '../_base_/default_runtime.py']
# the official script reports the best val top-1 over the epochs
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2, save_best='auto'))
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CMCSplitBackbone', view_channels=(1, 2), flatten=True, frozen=True,
                  encoder=dict(type='CMCAlexNet', out_indices=(4, )),
                  init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=9216,
              loss=dict(type='CrossEntropyLoss'), topk=(1, 5),
              init_cfg=dict(type='Normal', std=0.01, layer='Linear')))
optim_wrapper = dict(optimizer=dict(lr=0.1))
