# DISSL, CIFAR ResNet-18, CIFAR-10: the ISSL TinyImageNet recipe adapted to 32 px, batch 256,
# 200 epochs. Details and usage: docs/methods/dissl.md#configs.
_base_ = [
    '../_base_/models/dissl_r18_cifar.py',
    '../_base_/datasets/cifar10_issl.py',
    '../_base_/schedules/issl_adam_coslr_200e.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
default_hooks = dict(checkpoint=dict(interval=20, max_keep_ckpts=2), logger=dict(interval=20))
