# Improved MoCo baseline for small networks (Shi et al., arXiv 2107.14762), ResNet-18 (D = 512),
# ImageNet-1k, 8 GPUs x 64 = 512, 200 epochs. Usage, warm start: docs/methods/moco_small.md#configs.
_base_ = [
    '../_base_/models/mocosmall_r18.py',
    '../_base_/datasets/imagenet_mocosmall.py',
    '../_base_/schedules/mocosmall_sgd_coslr_200e.py',
    '../_base_/default_runtime.py',
]
