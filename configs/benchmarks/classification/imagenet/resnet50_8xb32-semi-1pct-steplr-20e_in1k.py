# Semi-supervised fine-tuning on 1 % of ImageNet labels: the whole ResNet-50
# trains from the pre-trained backbone (loaded by prefix), a new linear head.
# The subset is an annotation file the user provides, lines of
# "<class dir>/<file> <label>" relative to data/imagenet/train, e.g. SimCLR's
# 1percent.txt converted to that format:
#
#   bash tools/dist_train.sh configs/benchmarks/classification/imagenet/resnet50_8xb32-semi-1pct-steplr-20e_in1k.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=PRETRAINED.pth \
#       train_dataloader.dataset.ann_file=meta/train_1percent.txt
#
# Schedule (the SimCLR / BYOL-style recipe of mmselfsup's semi-supervised
# benchmarks, not a number from the MEC paper): SGD momentum 0.9, wd 5e-4,
# batch 256, backbone lr 0.01, head lr x100 (1 %) / x10 (10 %), 20 epochs,
# x0.1 at 12 and 16.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    '../../../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=50,
        out_indices=(3, ),
        style='pytorch',
        norm_cfg=dict(type='SyncBN'),
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, 5),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01, bias=0.)))
train_dataloader = dict(
    batch_size=32,
    drop_last=True,
    dataset=dict(split='', data_prefix='train', ann_file='meta/train_1percent.txt'))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=100.)}))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2))
