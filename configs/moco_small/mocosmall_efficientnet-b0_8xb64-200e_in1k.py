# Improved MoCo baseline, EfficientNet-B0 (arXiv 2107.14762), 8 x 64, 200 epochs.
# The official network (lukemelas' EfficientNet) pools its 1280-channel head
# and applies Dropout(0.2) before fc, so the wide head (1280 -> 2560 -> 128)
# sees dropped-out features; stochastic depth 0.2 (its drop_connect_rate).
# BN eps 1e-3 as in both implementations.
_base_ = './mocosmall_resnet18_8xb64-200e_in1k.py'
model = dict(
    backbone=dict(_delete_=True, type='EfficientNet', arch='b0', drop_path_rate=0.2,
                  norm_cfg=dict(type='BN', eps=1e-3)),
    neck=dict(in_channels=1280, pre_dropout=0.2))
