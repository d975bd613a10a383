# mmpretrain's SimCLR on the main job's data and budget: Fashion-MNIST in memory, MEC's two
# batch-made views, the quarter-width CIFAR ResNet-18 with one input channel, 10 epochs of batch
# 256, bfloat16 on a CPU; the CIFAR-10 baseline's head, temperature 0.1 and LARS (0.3 per step).
# The comparators' row of the transfer table: docs/user_guides/downstream.md.
_base_ = [
    '../_base_/datasets/fashion_mnist_mec.py',
    '../_base_/schedules/lars_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='SimCLR',
    # _base_/models/r18w16_cifar.py's network with one input channel
    backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=16,
                  base_channels=16, norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(type='NonLinearNeck', in_channels=128, hid_channels=128, out_channels=128,
              num_layers=2, with_avg_pool=True),
    head=dict(type='ContrastiveHead', loss=dict(type='CrossEntropyLoss'), temperature=0.1))
auto_scale_lr = dict(base_batch_size=4096, enable=True)  # 4.8 x 256 / 4096 = 0.3
train_cfg = dict(max_epochs=10)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
