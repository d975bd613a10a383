# CMC on CIFAR-10 as an ImageFolder tree (data_root/{train,test}/<class>/*):
# RandomResizedCrop(32, (0.2, 1)) -> flip -> Lab, no colour jitter; the
# data preprocessor only stacks (the pipeline normalises).
data_root = 'data/cifar10/'
data_preprocessor = dict(type='SelfSupDataPreprocessor')
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),  # errors name the file
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.), backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBToLab'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='train',
                 with_label=False, pipeline=train_pipeline))

knn_data_preprocessor = dict(type='ClsDataPreprocessor')  # identity: Lab is normalised already
_eval_pipeline = [dict(type='LoadImageFromFileChecked'), dict(type='RGBToLab'), dict(type='PackInputs')]
knn_train_dataloader = dict(
    batch_size=256, num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='train',
                 pipeline=_eval_pipeline))
knn_test_dataloader = dict(
    batch_size=256, num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='test',
                 pipeline=_eval_pipeline))
