# CMC's ImageNet pipeline (official train_CMC.py): RandomResizedCrop(224,
# scale=(crop_low, 1)) -> flip -> RGB->Lab -> normalise with CMC's Lab
# statistics. No colour jitter: colour is the split (L | ab). crop_low is
# 0.2 (AlexNet); the ResNet configs lower it to 0.08.
# The pipeline outputs the normalised float Lab image, so the data
# preprocessor must only stack and cast it: no mean/std, no BGR->RGB swap.
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
data_preprocessor = dict(type='SelfSupDataPreprocessor')
crop_low = 0.2
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),  # errors name the file
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(crop_low, 1.),
         interpolation='bilinear', backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBToLab'),
    dict(type='PackInputs'),  # keeps sample_idx, the memory-bank row
]
train_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))

# k-NN evaluation (tools/analysis/knn_eval.py): the linear probe's val
# transform, Resize(256) + CenterCrop(224), then the same Lab conversion.
knn_data_preprocessor = dict(type='ClsDataPreprocessor')  # identity: Lab is normalised already
_eval_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='RGBToLab'),
    dict(type='PackInputs'),
]
knn_train_dataloader = dict(
    batch_size=256, num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=_eval_pipeline))
knn_test_dataloader = dict(
    batch_size=256, num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=_eval_pipeline))
