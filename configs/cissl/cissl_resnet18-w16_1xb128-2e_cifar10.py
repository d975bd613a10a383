# A small CISSL for CPU demos on CIFAR-10: quarter-width CIFAR ResNet-18 (z = 128), 2 epochs
# (80 iterations of 128) on 5,120 training images. Details: docs/methods/cissl.md#configs.
_base_ = [
    '../_base_/models/cissl_r18_cifar.py',
    '../_base_/datasets/cifar10_issl.py',
    '../_base_/schedules/issl_adam_coslr_2e_quick.py',
    '../_base_/default_runtime.py',
]
width = 16
model = dict(
    backbone=dict(stem_channels=width, base_channels=width),
    head=dict(student=dict(in_channels=width * 8),
              teacher=dict(in_channels=width * 8, hid_channels=[256])))
train_dataloader = dict(batch_size=128, dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=5120, dataset={{_base_.train_dataloader.dataset}}))
knn_train_dataloader = dict(dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=20000, dataset={{_base_.knn_train_dataloader.dataset}}))
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=1), logger=dict(interval=10))
