# Fine-tuning transfer to CIFAR-10 (ssl-small main_transfer.py --finetune): the whole network
# trains; lr 0.1 is the plugin's default, not the official one. Details: docs/user_guides/evaluation.md#config-notes.
_base_ = ['./resnet50_linear-l2norm-steplr-100e_cifar10.py']
model = dict(backbone=dict(frozen_stages=-1, norm_eval=False))
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFileChecked'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.),
         interpolation='bicubic', backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]))
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80], gamma=0.2)]
