# Linear probe of a MoCoSmall MobileNetV3-Large: the Small probe with the large backbone and its
# classifier block Linear(960, 1280) - h_swish - Dropout(0.2). Notes: docs/methods/moco_small.md#configs.
_base_ = ['./mobilenetv3-small_8xb32-linear-steplr-100e_in1k.py']
rep_dim = 1280
model = dict(
    backbone=dict(arch='large', frozen_stages=16),  # layer0 ... layer16 (the 960-channel conv)
    neck=dict(in_channels=960, feat_channels=rep_dim),
    head=dict(in_channels=rep_dim))
