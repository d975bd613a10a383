# A screen, not a recipe: DISSL's quick CIFAR-10 config at the same-budget comparison's budget
# (the whole training split, 5 epochs of batch 128), with the lr warm-up shortened from one
# epoch to a quarter epoch, as MEC's 5-epoch config does.
_base_ = '../../../configs/dissl/dissl_resnet18-w16_1xb128-2e_cifar10.py'
max_epochs = 5
warmup_epochs = 0.25
train_dataloader = dict(dataset=dict(
    _delete_=True, type='CustomDataset', data_root={{_base_.data_root}}, data_prefix='train',
    with_label=False, pipeline={{_base_.train_pipeline}}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
