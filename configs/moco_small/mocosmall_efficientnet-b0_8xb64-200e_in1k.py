# Improved MoCo baseline, EfficientNet-B0 (arXiv 2107.14762), 8 x 64, 200 epochs.
# Details: docs/methods/moco_small.md#configs.
_base_ = './mocosmall_resnet18_8xb64-200e_in1k.py'
model = dict(
    backbone=dict(_delete_=True, type='EfficientNet', arch='b0', drop_path_rate=0.2,
                  norm_cfg=dict(type='BN', eps=1e-3)),
    neck=dict(in_channels=1280, pre_dropout=0.2))
