# Mask R-CNN R50-C4 on COCO, 1x (12 epochs), multi-scale training; stage 4 runs as the RoI head's
# shared head, so the converted checkpoint initialises both. Notes: docs/user_guides/downstream.md#config-notes.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50-caffe-c4_1x_coco.py'

custom_imports = dict(
    imports=['mec_plugin', 'mmpretrain.models.utils.res_layer_extra_norm'],
    allow_failed_imports=False)

pretrained = 'work_dirs/pretrained/mec_r50_backbone.pth'  # set by tools/benchmarks/*.sh
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    # the base is a caffe-style (BGR, no std) model; SSL ResNets are trained
    # on torchvision-normalised RGB
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_mask=True),
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    roi_head=dict(
        shared_head=dict(
            type='ResLayerExtraNorm',
            norm_cfg=norm_cfg,
            norm_eval=False,
            style='pytorch',
            init_cfg=dict(type='Pretrained', checkpoint=pretrained))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                (1333, 768), (1333, 800)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
