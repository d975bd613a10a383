# Faster R-CNN R50-C4 on VOC07+12 trainval, VOC07 test (11-point mAP), 24k iterations at batch 16:
# MoCo's VOC detection protocol. Notes: docs/user_guides/downstream.md#config-notes.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50-caffe-c4_ms-18k_voc0712.py'

custom_imports = dict(
    imports=['mec_plugin', 'mmpretrain.models.utils.res_layer_extra_norm'],
    allow_failed_imports=False)

pretrained = 'work_dirs/pretrained/mec_r50_backbone.pth'  # set by tools/benchmarks/*.sh
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
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

max_iters = 24000
train_cfg = dict(max_iters=max_iters, val_interval=2000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[18000, 22000], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2000, max_keep_ckpts=3))
