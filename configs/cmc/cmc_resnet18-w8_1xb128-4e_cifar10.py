# A CMC that trains on a 2-core CPU in minutes: per view a CIFAR ResNet-18 with 8 base channels,
# 4 epochs on 1,280 CIFAR-10 images, softmax-CE criterion. Details: docs/methods/cmc.md#configs.
_base_ = [
    '../_base_/models/cmc_resnet18_cifar.py',
    '../_base_/datasets/cifar10_cmc.py',
    '../_base_/default_runtime.py',
]
# Softmax CE, not NCE: with NCE, Z is fixed on the first batch while the
# memory is still random, and on a 1,280-image memory the loss rose in epochs
# 2-3 (upstream issues #12 and #23; docs/methods/cmc.md). The CMC README
# recommends softmax; model.loss='nce' gives the official default.
model = dict(
    loss='softmax',
    num_noise=512,
    backbone=dict(encoder=dict(stem_channels=8, base_channels=8)),
    neck=dict(in_channels=64))
# SpreadSubset renumbers sample_idx to 0..num_samples-1, the memory rows.
train_dataloader = dict(batch_size=128, dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=1280, dataset={{_base_.train_dataloader.dataset}}))
knn_train_dataloader = dict(dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=5000, dataset={{_base_.knn_train_dataloader.dataset}}))
knn_test_dataloader = dict(dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=2000, dataset={{_base_.knn_test_dataloader.dataset}}))
max_epochs = 4
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.,
                        convert_to_iter_based=True)]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=1), logger=dict(interval=5))
