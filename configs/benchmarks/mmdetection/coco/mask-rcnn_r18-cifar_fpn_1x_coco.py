# Mask R-CNN on the CIFAR ResNet-18 of configs/mec/mec_resnet18_1xb512-200e_cifar10.py: a pipeline
# check, not a benchmark (convert with --stem 3x3). Notes: docs/user_guides/downstream.md#config-notes.
_base_ = './mask-rcnn_r50_fpn_ms-1x_coco.py'

norm_cfg = dict(type='SyncBN', requires_grad=True)
pretrained = 'work_dirs/pretrained/mec_r18_cifar_backbone.pth'  # set by tools/benchmarks/*.sh
strides = [1, 2, 4, 8]
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet_CIFAR',
        depth=18,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[64, 128, 256, 512]),
    rpn_head=dict(anchor_generator=dict(strides=strides + [16])),
    roi_head=dict(
        bbox_roi_extractor=dict(featmap_strides=strides),
        mask_roi_extractor=dict(featmap_strides=strides)))

img_scale = (256, 160)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
