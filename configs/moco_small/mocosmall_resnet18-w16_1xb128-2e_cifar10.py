# A CPU demo of the small-model MoCo baseline on CIFAR-10: quarter-width CIFAR ResNet-18, 2 epochs of
# 5,120 images at batch 128 (80 iterations). Differences, usage: docs/methods/moco_small.md#configs.
_base_ = [
    '../_base_/models/mocosmall_r18.py',
    '../_base_/datasets/cifar10_mocosmall.py',
    '../_base_/schedules/mocosmall_sgd_coslr_200e.py',
    '../_base_/default_runtime.py',
]
width = 16
max_epochs = 2
model = dict(
    queue_len=1024,
    momentum=0.01,
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18, stem_channels=width,
                  base_channels=width, norm_cfg=dict(type='SplitBN', num_splits=8),
                  zero_init_residual=False),
    neck=dict(in_channels=width * 8))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.06, momentum=0.9, weight_decay=1e-4))
train_cfg = dict(max_epochs=max_epochs)
# Subsets spread evenly over the class-sorted ImageFolder lists.
train_dataloader = dict(batch_size=128, dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=5120, dataset={{_base_.train_dataloader.dataset}}))
knn_train_dataloader = dict(dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=20000, dataset={{_base_.knn_train_dataloader.dataset}}))
default_hooks = dict(checkpoint=dict(interval=max_epochs, max_keep_ckpts=1), logger=dict(interval=5))
