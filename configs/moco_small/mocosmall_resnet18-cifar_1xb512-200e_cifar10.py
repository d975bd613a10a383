# Improved MoCo baseline at CIFAR scale: CIFAR ResNet-18, one GPU x 512, 200 epochs, queue
# K = 4096, SplitBN. Details, usage and the N-GPU change: docs/methods/moco_small.md#configs.
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
