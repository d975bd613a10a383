# Improved MoCo baseline, MobileNetV3-Small (arXiv 2107.14762), 8 x 64, 200 epochs; representation:
# the classifier block, D = 1024. Details: docs/methods/moco_small.md#configs.
_base_ = './mocosmall_resnet18_8xb64-200e_in1k.py'
model = dict(
    backbone=dict(_delete_=True, type='MobileNetV3', arch='small',
                  norm_cfg=dict(type='BN', eps=1e-5, momentum=0.1)),
    neck=dict(in_channels=576, feat_channels=1024, feat_dropout=0.2))
# The evaluation tools read that block's output (the official evaluation feature),
# not the pooled backbone map; --representation backbone gives the latter.
eval_representation = 'backbone+neck'
