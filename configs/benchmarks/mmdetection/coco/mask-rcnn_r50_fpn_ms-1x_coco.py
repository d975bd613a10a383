# Mask R-CNN R50-FPN on COCO, 1x (12 epochs), multi-scale training: the detection protocol MoCo
# and MMSelfSup used, from a converted backbone. Notes and usage: docs/user_guides/downstream.md#config-notes.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

# mec_plugin registers a local checkpoint loader that works on torch >= 2.6
# (mmengine 0.10.7's does not pass weights_only); mmpretrain's
# res_layer_extra_norm registers ResLayerExtraNorm into mmdet (C4 configs).
custom_imports = dict(
    imports=['mec_plugin', 'mmpretrain.models.utils.res_layer_extra_norm'],
    allow_failed_imports=False)

pretrained = 'work_dirs/pretrained/mec_r50_backbone.pth'  # set by tools/benchmarks/*.sh
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        # no prefix: the converted file holds the backbone's own keys
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

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
