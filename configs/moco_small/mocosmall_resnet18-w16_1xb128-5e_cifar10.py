# MoCo-small for a short CIFAR-10 budget on a 2-core CPU: quarter-width CIFAR ResNet-18,
# 5 epochs at batch 128, the MoCo v2 views instead of the paper's stronger ones, bfloat16,
# in-memory images. Why each choice: docs/methods/moco_small.md#a-short-budget.
_base_ = [
    '../_base_/models/mocosmall_r18.py',
    '../_base_/datasets/cifar10_mocov2_in_memory.py',
    '../_base_/schedules/mocosmall_sgd_coslr_200e.py',
    '../_base_/default_runtime.py',
]
width = 16
max_epochs = 5
model = dict(
    queue_len=1024,
    momentum=0.01,
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18, stem_channels=width,
                  base_channels=width, norm_cfg=dict(type='SplitBN', num_splits=2),
                  zero_init_residual=False),
    neck=dict(in_channels=width * 8))
optim_wrapper = dict(_delete_=True, type='BFloat16OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.06, momentum=0.9, weight_decay=1e-4))
train_cfg = dict(max_epochs=max_epochs)
train_dataloader = dict(batch_size=128)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
