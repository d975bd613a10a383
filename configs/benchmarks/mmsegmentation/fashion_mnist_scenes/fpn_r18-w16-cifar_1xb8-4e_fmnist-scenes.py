# Semantic FPN (mmseg's FPN neck + FPNHead) on the main job's network (quarter-width CIFAR
# ResNet-18, one input channel) for the Fashion-MNIST scenes
# (tools/dataset_converters/fashion_mnist_scenes.py): 64 x 64 grey canvases of held-out items,
# 11 classes (background + Fashion-MNIST's 10). The ResNet-50 configs' protocol: everything
# fine-tuned, BN in train mode, nothing frozen, the converted backbone loaded with no missing key.
# Usage: docs/user_guides/downstream.md.
_base_ = [
    'mmseg::_base_/models/fpn_r50.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)

classes = ('background', 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
           'Sneaker', 'Bag', 'Ankle boot')
palette = [[0, 0, 0]] + [[(37 * i) % 256, (97 * i) % 256, (151 * i) % 256] for i in range(1, 11)]
pretrained = 'work_dirs/pretrained/mec_r18w16_fashion-mnist_backbone.pth'  # set by train.sh
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN in one process (mmengine converts it)
width = 16
channels = 32  # FPN and head width (256 / 128 for R50)
# stages 2-4 (strides 2, 4, 8), as the detector: stage 1 keeps full resolution
model = dict(
    pretrained=None,
    # the pre-training's grey normalisation (configs/_base_/datasets/fashion_mnist_mec.py)
    data_preprocessor=dict(mean=[72.94], std=[90.02], bgr_to_rgb=False, size=(64, 64),
                           pad_val=0, seg_pad_val=255),
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
    neck=dict(in_channels=[width * 2, width * 4, width * 8], out_channels=channels, num_outs=3),
    decode_head=dict(in_channels=[channels] * 3, in_index=[0, 1, 2], channels=channels,
                     feature_strides=[2, 4, 8], num_classes=len(classes), norm_cfg=norm_cfg))

data_root = 'data/fashion_mnist_scenes/'
metainfo = dict(classes=classes, palette=palette)
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='LoadAnnotations', reduce_zero_label=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='LoadAnnotations', reduce_zero_label=False),
    dict(type='PackSegInputs'),
]
_dataset = dict(type='BaseSegDataset', data_root=data_root, metainfo=metainfo, img_suffix='.png',
                seg_map_suffix='.png', reduce_zero_label=False)
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_dataset, data_prefix=dict(img_path='images/train', seg_map_path='semantic/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, data_prefix=dict(img_path='images/val', seg_map_path='semantic/val'),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

max_epochs = 4
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# mmseg's FCN recipe (SGD, momentum 0.9, wd 5e-4) with a 50-iteration warm-up and a cosine decay,
# at 4x its lr for 4 epochs: at lr 0.01 for one epoch every initialisation predicted background only
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.04, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, T_max=max_epochs,
         convert_to_iter_based=True),
]
# mmseg keeps its hooks in the schedule bases, which an epoch-based config does not inherit
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=1,
                    save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
randomness = dict(seed=0)
