# Fine-tuning transfer to caltech101 (ssl-small main_transfer.py --finetune): the
# whole network trains (BN in train mode), features still L2-normalised before
# the classifier, RandomResizedCrop scale (0.2, 1), steps at 60 / 80 with
# decay 0.2. lr: the official script takes it from --lr (30 is its frozen-
# feature value); 0.1 here is our default for training a whole ResNet-50 with
# SGD at batch 256 -- sweep it for a fair comparison.
_base_ = ['./resnet50_linear-l2norm-steplr-100e_caltech101.py']
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
