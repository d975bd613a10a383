# CISSL, CIFAR ResNet-18, CIFAR-10: the ISSL TinyImageNet recipe
# (bin/tinyimagenet/base_tin.sh, table1_contrastive.sh, config/main.yaml)
# adapted to 32 px: batch 512 (base_tin.sh; the CISSL script keeps it), Adam
# 2e-3, wd 1e-6, clip by value 2, 10 warm-up epochs then cosine, 16-bit
# mixed precision (Lightning's precision: 16 = AMP with a dynamic loss
# scale), ISSL's CIFAR-10 views, tau 0.07. 200 epochs.
#   python tools/train.py configs/cissl/cissl_resnet18_1xb512-200e_cifar10.py
# Not yet run to the end (no GPU in the session that wrote it).
_base_ = [
    '../_base_/models/cissl_r18_cifar.py',
    '../_base_/datasets/cifar10_issl.py',
    '../_base_/schedules/issl_adam_coslr_200e.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=512)
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
default_hooks = dict(checkpoint=dict(interval=20, max_keep_ckpts=2), logger=dict(interval=20))
