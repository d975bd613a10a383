# Improved MoCo baseline, "DeiT-Tiny" (arXiv 2107.14762; official vit_tiny),
# 8 x 64, 200 epochs. mmpretrain's VisionTransformer 'deit-tiny' (patch 16,
# width 192, depth 12, MLP 768), the LayerNorm'ed class token as the
# representation (D = 192; wide head 192 -> 384 -> 128), dropout 0.1 after the
# position embedding and in attention / MLP outputs, no qkv bias, and the
# patch embedding frozen at its random initialisation as in the official code.
# Differences that mmpretrain's ViT cannot express: the official attention has
# 6 heads of 64 (inner width 384), 'deit-tiny' 3 heads of 64 (192).
_base_ = './mocosmall_resnet18_8xb64-200e_in1k.py'
model = dict(
    backbone=dict(_delete_=True, type='VisionTransformer', arch='deit-tiny', img_size=224,
                  patch_size=16, drop_rate=0.1, qkv_bias=False, final_norm=True,
                  out_type='cls_token'),
    neck=dict(in_channels=192),
    frozen_modules=['backbone.patch_embed'])
