# Mask R-CNN with the CIFAR ResNet-18 of configs/mec/mec_resnet18_1xb512-200e_cifar10.py
# as its backbone: a pipeline check for CIFAR-scale pre-training (does the
# checkpoint load and train in a detector?), not a literature benchmark.
#
# Why not mmdet's ResNet-18: mmpretrain's ResNet_CIFAR has a 3x3 stride-1
# stem conv and no max-pool; mmdet's ResNet has a 7x7 stride-2 stem and a
# max-pool. conv1.weight does not fit (64x3x3x3 vs 64x3x7x7) and there is no
# faithful way to turn one into the other, so the detector uses the very
# network that was pre-trained (mmpretrain.ResNet_CIFAR, whose keys match
# the converted checkpoint one to one). Its stages run at strides 1, 2, 4, 8
# instead of 4, 8, 16, 32: the FPN, anchors and RoI extractors follow, and the
# images are small (at most 256x160), close to the 32-px objects it saw.
#
# Convert with --stem 3x3 (the launchers do it for configs named *cifar*):
#   python tools/model_converters/extract_backbone_weights.py CKPT OUT.pth --stem 3x3
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
