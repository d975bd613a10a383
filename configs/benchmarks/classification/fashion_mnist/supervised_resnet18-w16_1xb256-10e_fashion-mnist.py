# Supervised pre-training, the upper reference of the transfer tables: mmpretrain's ImageClassifier
# on the main job's network (quarter-width CIFAR ResNet-18, one input channel), the same 60,000
# Fashion-MNIST training images and 10 epochs as the main job, cross-entropy on the labels.
# The views are the main job's crop and flip (no solarisation), one per image.
_base_ = [
    '../../../_base_/datasets/fashion_mnist_mec.py',
    '../../../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    # the main job's backbone (configs/_base_/models/mec_r18w16_small.py with one input channel)
    backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=16, base_channels=16,
                  norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
data_preprocessor = dict(_delete_=True, type='ClsDataPreprocessor', num_classes=10,
                         mean={{_base_.mean}}, std={{_base_.std}}, to_rgb=False)
train_dataloader = dict(
    _delete_=True,
    batch_size=256,
    num_workers=1,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='FashionMNIST', data_root={{_base_.data_root}}, test_mode=False,
                 download=False, pipeline=[
                     dict(type='RandomResizedCrop', scale=28, crop_ratio_range=(0.2, 1.),
                          backend='pillow'),
                     dict(type='RandomFlip', prob=0.5),
                     dict(type='PackInputs'),
                 ]))
# SGD with the main job's lr per image, weight decay and warm-up, cosine to zero, bf16 autocast
optim_wrapper = dict(type='BFloat16OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=58),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=10, T_max=10, eta_min=0.,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
