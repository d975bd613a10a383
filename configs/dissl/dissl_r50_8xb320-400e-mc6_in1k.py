# DISSL, ResNet-50 (d = 2048), multi-crop 2 x 160 + 4 x 96, 400 epochs on 8 GPUs x 320: VISSL
# "e400_d2048_m6". Details and usage: docs/methods/dissl.md#configs.
_base_ = [
    '../_base_/models/dissl_r50.py',
    '../_base_/datasets/imagenet_issl_multicrop.py',
    '../_base_/schedules/issl_lars_coslr_400e.py',
    '../_base_/default_runtime.py',
]
