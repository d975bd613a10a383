# Improved MoCo baseline, MobileNetV3-Small (arXiv 2107.14762), 8 x 64, 200 epochs.
# The official representation is the output of MobileNetV3's classifier block
# Linear(576, 1024) - h_swish - Dropout(0.2) (dropout active during SSL), so
# D = 1024 and the wide head is 1024 -> 2048 -> 128. mmpretrain's MobileNetV3
# ends at the 576-channel 1x1 conv; the block is the neck's representation.
# BN as in the official network (PyTorch defaults eps 1e-5, momentum 0.1;
# mmpretrain's MobileNetV3 defaults to the TF values 1e-3 / 0.01).
_base_ = './mocosmall_resnet18_8xb64-200e_in1k.py'
model = dict(
    backbone=dict(_delete_=True, type='MobileNetV3', arch='small',
                  norm_cfg=dict(type='BN', eps=1e-5, momentum=0.1)),
    neck=dict(in_channels=576, feat_channels=1024, feat_dropout=0.2))
# The evaluation tools read that block's output (the official evaluation feature),
# not the pooled backbone map; --representation backbone gives the latter.
eval_representation = 'backbone+neck'
