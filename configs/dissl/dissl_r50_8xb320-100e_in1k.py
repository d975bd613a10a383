# DISSL, ResNet-50 (d = 2048), ImageNet-1k, 2 x 224 crops, 100 epochs on 8 GPUs x 320 images:
# the author's VISSL run "e100_d2048". Details and usage: docs/methods/dissl.md#configs.
_base_ = [
    '../_base_/models/dissl_r50.py',
    '../_base_/datasets/imagenet_issl.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
