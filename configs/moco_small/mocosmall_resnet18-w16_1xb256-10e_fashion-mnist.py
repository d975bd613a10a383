# The small-model MoCo baseline on the main job's data and budget: Fashion-MNIST in memory, MEC's
# two batch-made views, the quarter-width CIFAR ResNet-18 with one input channel, 10 epochs of
# batch 256, bfloat16 on a CPU; K = 1024, m = 0.99 and SplitBN of the CIFAR-10 quick config.
# Notes: docs/methods/moco_small.md#configs.
_base_ = [
    '../_base_/models/mocosmall_r18.py',
    '../_base_/datasets/fashion_mnist_mec.py',
    '../_base_/schedules/mocosmall_sgd_coslr_200e.py',
    '../_base_/default_runtime.py',
]
width = 16
model = dict(
    queue_len=1024,
    momentum=0.01,
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=width,
                  base_channels=width, norm_cfg=dict(type='SplitBN', num_splits=8),
                  zero_init_residual=False),
    neck=dict(in_channels=width * 8))
optim_wrapper = dict(_delete_=True, type='BFloat16OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.06, momentum=0.9, weight_decay=1e-4))
train_cfg = dict(max_epochs=10)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
