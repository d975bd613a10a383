# DISSL with the "dimensionality" ResNet-50 (d = 8192), 2 x 224 crops, 100 epochs on 8 GPUs x 320:
# VISSL "e100_d8192_m2". Details and usage: docs/methods/dissl.md#configs.
_base_ = [
    '../_base_/models/dissl_r50-dim8192.py',
    '../_base_/datasets/imagenet_issl.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
