# DISSL, CIFAR ResNet-18, CIFAR-10 (ImageFolder tree in data/cifar10), the ISSL
# TinyImageNet recipe adapted to 32 px: batch 256 (table1_distillation.sh
# overrides base_tin.sh's 512), Adam 2e-3, wd 1e-6, clip by value 2, 10
# warm-up epochs then cosine, 16-bit mixed precision (Lightning's
# precision: 16 = AMP with a dynamic loss scale), ISSL's CIFAR-10 views,
# C = 16384, lambda 2.3, beta 0.8. 200 epochs (ISSL: 300 on TinyImageNet).
#   python tools/train.py configs/dissl/dissl_resnet18_1xb256-200e_cifar10.py
# Not yet run to the end (no GPU in the session that wrote it).
_base_ = [
    '../_base_/models/dissl_r18_cifar.py',
    '../_base_/datasets/cifar10_issl.py',
    '../_base_/schedules/issl_adam_coslr_200e.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
default_hooks = dict(checkpoint=dict(interval=20, max_keep_ckpts=2), logger=dict(interval=20))
