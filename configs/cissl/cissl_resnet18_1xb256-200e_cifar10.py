# CISSL, CIFAR ResNet-18, CIFAR-10: the ISSL TinyImageNet recipe adapted to
# 32 px (batch 256, Adam 2e-3, wd 1e-6, clip by value 2, 10 warm-up epochs then
# cosine, SimCLR-style views, tau 0.07). 200 epochs.
#   python tools/train.py configs/cissl/cissl_resnet18_1xb256-200e_cifar10.py
# Not yet run to the end (no GPU in the session that wrote it).
_base_ = [
    '../_base_/models/cissl_r18_cifar.py',
    '../_base_/datasets/cifar10_issl.py',
    '../_base_/schedules/issl_adam_coslr_200e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=20, max_keep_ckpts=2), logger=dict(interval=20))
