# MEC, ResNet-50, ImageNet-1k, 100 epochs on 8 GPUs x 64 images (batch 512): the official recipe
# (xinliu20/MEC) at batch 512. Details and usage: docs/methods/mec.md#configs.
_base_ = [
    '_base_/models/mec_r50.py',
    '_base_/datasets/imagenet_mec.py',
    '_base_/schedules/mec_sgd_coslr_100e.py',
    '_base_/default_runtime.py',
]
