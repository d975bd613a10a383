# DISSL on the main job's data and budget: Fashion-MNIST in memory, MEC's two batch-made views,
# the quarter-width CIFAR ResNet-18 with one input channel, 10 epochs of batch 256, bfloat16 on a
# CPU; the heads and C = 4096 of the CIFAR-10 quick config. Notes: docs/methods/dissl.md#configs.
_base_ = [
    '../_base_/models/dissl_r18_cifar.py',
    '../_base_/datasets/fashion_mnist_mec.py',
    '../_base_/schedules/issl_adam_coslr_2e_quick.py',
    '../_base_/default_runtime.py',
]
width = 16
num_clusters = 4096
model = dict(
    backbone=dict(in_channels=1, stem_channels=width, base_channels=width),
    head=dict(teacher=dict(in_channels=width * 8, hid_channels=[256], bottleneck_channels=128,
                           out_channels=num_clusters),
              student=dict(in_channels=width * 8, bottleneck_channels=128,
                           out_channels=num_clusters)))
optim_wrapper = dict(type='BFloat16OptimWrapper')
train_cfg = dict(max_epochs=10)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
