# MEC's linear probe at CIFAR scale (frozen CIFAR ResNet-18, BN1d + Linear, LARC, batch 4096,
# cosine, 100 epochs). Details and usage: docs/user_guides/evaluation.md#config-notes.
_base_ = [
    '../../../_base_/datasets/cifar10_cls.py',
    '../../../_base_/default_runtime.py',
]
batch_size = 4096
base_lr = 0.03
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        frozen_stages=4,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=[
        dict(type='GlobalAveragePooling'),
        dict(type='ClsBatchNormNeck', input_features=512, affine=False, eps=1e-6),
    ],
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, 5),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01, bias=0.)))
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARC', lr=base_lr * batch_size / 256, momentum=0.9, weight_decay=0.,
                   trust_coefficient=0.001, clip=False))
# no end / T_max: the cosine ends at train_cfg.max_epochs
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, eta_min=0.)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=4096)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3), logger=dict(interval=10))
