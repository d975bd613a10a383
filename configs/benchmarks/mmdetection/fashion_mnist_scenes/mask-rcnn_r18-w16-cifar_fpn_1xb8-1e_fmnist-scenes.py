# Mask R-CNN with FPN on the main job's network (quarter-width CIFAR ResNet-18, one input channel)
# for the Fashion-MNIST scenes (tools/dataset_converters/fashion_mnist_scenes.py): 64 x 64 grey
# canvases of held-out items. The ResNet-50 configs' protocol: everything fine-tuned, BN in train
# mode, nothing frozen, the converted backbone loaded with no missing key. The R50-FPN sizes are
# scaled to a 16-128-channel backbone and a one-epoch CPU budget. Usage: docs/user_guides/downstream.md.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)

classes = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
           'Bag', 'Ankle boot')
pretrained = 'work_dirs/pretrained/mec_r18w16_fashion-mnist_backbone.pth'  # set by train.sh
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN in one process (mmengine converts it)
width = 16
channels = 32  # FPN / RPN / RoI feature width (256 for R50)
# stages 2-4 (strides 2, 4, 8: the CIFAR stem keeps full resolution in stage 1, which all four
# levels of R50-FPN would need 4x the compute for); the stride-16 level is FPN's max-pool
strides = [2, 4, 8]
model = dict(
    # the pre-training's grey normalisation (configs/_base_/datasets/fashion_mnist_mec.py)
    data_preprocessor=dict(mean=[72.94], std=[90.02], bgr_to_rgb=False, pad_size_divisor=16),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet_CIFAR',
        depth=18,
        in_channels=1,
        stem_channels=width,
        base_channels=width,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[width * 2, width * 4, width * 8], out_channels=channels, num_outs=4),
    rpn_head=dict(
        in_channels=channels, feat_channels=channels,
        # anchors of 16-128 px for objects of 14-32 px
        anchor_generator=dict(scales=[8], strides=strides + [16])),
    roi_head=dict(
        # RoIs under 56 px read stride 2 (R50: under 112 px read stride 4)
        bbox_roi_extractor=dict(out_channels=channels, featmap_strides=strides, finest_scale=28),
        bbox_head=dict(in_channels=channels, fc_out_channels=256, num_classes=len(classes)),
        # 7 x 7 mask RoIs, two convs, 14 x 14 masks (R50: 14 x 14, four convs, 28 x 28)
        mask_roi_extractor=dict(out_channels=channels, featmap_strides=strides, finest_scale=28,
                                roi_layer=dict(output_size=7)),
        mask_head=dict(num_convs=2, in_channels=channels, conv_out_channels=channels,
                       num_classes=len(classes))),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=64), mask_size=14)),
    test_cfg=dict(
        rpn=dict(nms_pre=500, max_per_img=100),
        rcnn=dict(max_per_img=50)))

data_root = 'data/fashion_mnist_scenes/'
metainfo = dict(classes=classes)
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),  # the native size; sets scale_factor
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                          'scale_factor')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=None,
    dataset=dict(type='CocoDataset', data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_train.json', data_prefix=dict(img='images/train/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=4), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CocoDataset', data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_val.json', data_prefix=dict(img='images/val/'),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/instances_val.json',
                     metric=['bbox', 'segm'], format_only=False)
test_evaluator = val_evaluator

max_epochs = 1
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# mmdet's lr per image (0.02 at batch 16), a 50-iteration warm-up and a cosine decay
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, T_max=max_epochs,
         convert_to_iter_based=True),
]
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=1, max_keep_ckpts=1, save_last=True))
randomness = dict(seed=0)
