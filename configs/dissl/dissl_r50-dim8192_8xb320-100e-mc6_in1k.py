# DISSL d = 8192, multi-crop 2 x 160 + 4 x 96, 100 epochs on 8 GPUs x 320: VISSL
# "dissl_e100_d8192_m6". Details and usage: docs/methods/dissl.md#configs.
_base_ = [
    '../_base_/models/dissl_r50-dim8192.py',
    '../_base_/datasets/imagenet_issl_multicrop.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
