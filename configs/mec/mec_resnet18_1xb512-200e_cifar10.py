# MEC, CIFAR ResNet-18, CIFAR-10 (ImageFolder tree in data/cifar10), 200 epochs
# at batch 512 on one GPU:
#   python tools/train.py configs/mec/mec_resnet18_1xb512-200e_cifar10.py
# On this 2-core CPU an epoch takes minutes; for a short run pass e.g.
#   --cfg-options train_cfg.max_epochs=3 train_dataloader.batch_size=256
#
# eps^2: see EPS_SQUARE_NOTE below.
_base_ = [
    '../_base_/models/mec_r18_cifar.py',
    '../_base_/datasets/cifar10_mec.py',
    '../_base_/schedules/mec_sgd_coslr_100e.py',
    '../_base_/default_runtime.py',
]
max_epochs = 200
warmup_epochs = 10
EPS_SQUARE = 64.
model = dict(head=dict(eps_square=EPS_SQUARE))
optim_wrapper = dict(optimizer=dict(lr=0.5, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0., by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
custom_hooks = [dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs, start_factor=8.,
                     radius_interval=20)]
default_hooks = dict(checkpoint=dict(interval=20, max_keep_ckpts=2),
                     logger=dict(interval=20))
