# Improved MoCo baseline for small networks (Shi et al., arXiv 2107.14762),
# ResNet-18 (D = 512), ImageNet-1k, 8 GPUs x 64 = 512, 200 epochs:
#   tools/dist_train.sh configs/moco_small/mocosmall_resnet18_8xb64-200e_in1k.py 8
# 800 epochs: mocosmall_resnet18_8xb64-800e_in1k.py. The README's warm start
# from a SEED-distilled checkpoint (--resume CKPT --restart) is
#   custom_hooks = [dict(type='MoCoWarmStartHook', checkpoint=CKPT)]
# (docs/methods/moco_small.md).
_base_ = [
    '../_base_/models/mocosmall_r18.py',
    '../_base_/datasets/imagenet_mocosmall.py',
    '../_base_/schedules/mocosmall_sgd_coslr_200e.py',
    '../_base_/default_runtime.py',
]
