# CISSL, ResNet-50 (d = 2048), ImageNet-1k, 2 x 224 crops, 100 epochs on 8 GPUs x 320 images
# (VISSL cissl_nomulti.yaml). Details and usage: docs/methods/cissl.md#configs.
_base_ = [
    '../_base_/models/cissl_r50.py',
    '../_base_/datasets/imagenet_issl.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
