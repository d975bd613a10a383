# Improved MoCo baseline, "DeiT-Tiny" (arXiv 2107.14762), 8 x 64, 200 epochs, on mmpretrain's
# VisionTransformer 'deit-tiny'. Details and the differences: docs/methods/moco_small.md#configs.
_base_ = './mocosmall_resnet18_8xb64-200e_in1k.py'
model = dict(
    backbone=dict(_delete_=True, type='VisionTransformer', arch='deit-tiny', img_size=224,
                  patch_size=16, drop_rate=0.1, qkv_bias=False, final_norm=True,
                  out_type='cls_token'),
    neck=dict(in_channels=192),
    frozen_modules=['backbone.patch_embed'])
