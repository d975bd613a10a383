# Improved MoCo baseline at CIFAR scale: CIFAR ResNet-18 (3x3 stem, no
# max-pool; D = 512), 32 px crops of the strengthened augmentation (no blur,
# see cifar10_mocosmall.py), CIFAR-10 as an ImageFolder tree in data/cifar10,
# one GPU x 512, 200 epochs, the official optimisation (SGD 0.06, cosine per
# epoch, AMP):
#   python tools/train.py configs/moco_small/mocosmall_resnet18-cifar_1xb512-200e_cifar10.py
# Queue K = 4096 instead of 65536: CIFAR-10 has 50,000 training images, so a
# 65536-key queue would hold keys of every image from up to 1.3 epochs ago,
# computed by a much older key encoder (and the image itself as a negative).
# 4096 = 8 batches of 512 (K must be a multiple of the global batch).
# Not the paper's setting: the paper pre-trains on ImageNet only.
# One process has no other GPU to shuffle the keys across, so the backbone's
# BatchNorm is split into 8 groups of 64 (SplitBN: shuffle-BN on one GPU, as
# the MoCo authors' CIFAR demo does). On N GPUs, where MoCo shuffles across
# them, replace it in a child config (num_splits must go too):
#   model = dict(backbone=dict(norm_cfg=dict(_delete_=True, type='BN')))  # per GPU, not SyncBN
_base_ = [
    '../_base_/models/mocosmall_r18.py',
    '../_base_/datasets/cifar10_mocosmall.py',
    '../_base_/schedules/mocosmall_sgd_coslr_200e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    queue_len=4096,
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18,
                  norm_cfg=dict(type='SplitBN', num_splits=8), zero_init_residual=False))
train_dataloader = dict(batch_size=512)
default_hooks = dict(checkpoint=dict(interval=20, max_keep_ckpts=2), logger=dict(interval=20))
