# CMC's linear-probe data (official LinearProbing.py): train
# RandomResizedCrop(224, (0.2, 1)) + flip + Lab (the AlexNet probe's; the
# ResNet probes override the scale to (0.08, 1)), val Resize(256) +
# CenterCrop(224) + Lab; batch 256. The pipeline normalises, so the data
# preprocessor only stacks (no mean / std, no channel swap).
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
data_preprocessor = dict(type='ClsDataPreprocessor', num_classes=1000)
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.),
         interpolation='bilinear', backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBToLab'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='RGBToLab'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=256, num_workers=8, persistent_workers=True, pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256, num_workers=8, persistent_workers=True, pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
# SGD momentum 0.9, wd 0, 60 epochs, lr x0.2 at 30 / 40 / 50 (1-indexed
# `epoch > milestone` = MMEngine's 0-indexed milestones, see cmc_sgd_steplr_240e.py).
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[30, 40, 50], gamma=0.2)]
train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=1)
val_cfg = dict()
test_cfg = dict()
