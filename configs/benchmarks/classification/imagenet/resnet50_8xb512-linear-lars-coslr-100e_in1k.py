# MEC's linear probe (xinliu20/MEC benchmarks/linearprob): frozen ResNet-50, BN1d(affine=False) +
# Linear, LARC, batch 4096 = 8 x 512, cosine, 100 epochs. Details: docs/user_guides/evaluation.md#config-notes.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    '../../../_base_/default_runtime.py',
]
batch_size_per_gpu = 512
num_gpus = 8
base_lr = 0.03
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        frozen_stages=4,  # stem + all 4 stages: no gradient, BN in eval mode
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=[
        dict(type='GlobalAveragePooling'),
        dict(type='ClsBatchNormNeck', input_features=2048, affine=False, eps=1e-6),
    ],
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, 5),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01, bias=0.)))

train_dataloader = dict(batch_size=batch_size_per_gpu, num_workers=8, drop_last=True)
val_dataloader = dict(batch_size=256, num_workers=8)
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARC', lr=base_lr * batch_size_per_gpu * num_gpus / 256, momentum=0.9,
                   weight_decay=0., trust_coefficient=0.001, clip=False))
# no end / T_max: the cosine ends at train_cfg.max_epochs
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, eta_min=0.)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
# lr above is for 8 x 512; `--auto-scale-lr` rescales it for another total batch
auto_scale_lr = dict(base_batch_size=4096)
# the official main_lincls.py's SyncBN: the classifier's BN over the whole 4096 batch
sync_bn = 'torch'
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3), logger=dict(interval=50))
