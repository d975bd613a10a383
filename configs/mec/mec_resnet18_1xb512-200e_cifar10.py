# MEC, CIFAR ResNet-18, CIFAR-10, 200 epochs at batch 512 on one GPU; eps^2 = 512 and the exact
# log-det instead of the official Taylor series. Why, and usage: docs/methods/mec.md#configs.
_base_ = [
    '../_base_/models/mec_r18_cifar.py',
    '../_base_/datasets/cifar10_mec.py',
    '../_base_/schedules/mec_sgd_coslr_100e.py',
    '../_base_/default_runtime.py',
]
max_epochs = 200
warmup_epochs = 10
EPS_SQUARE = 512.
model = dict(head=dict(eps_square=EPS_SQUARE, mode='exact'))
# lr 0.5 per 256 images (official); auto_scale_lr makes it 1.0 at batch 512
optim_wrapper = dict(optimizer=dict(lr=0.5, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
# resumes inside an epoch too (mmengine's loop restarts the epoch)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
# _base_/schedules/mec_sgd_coslr_100e.py's hooks with this config's warmup_epochs and
# radius_interval (a list is replaced, not merged; mode='exact' has no radius to watch)
custom_hooks = [
    dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs, start_factor=8.),
    dict(type='MECTaylorGuardHook', radius_interval=20),
    dict(type='MECStopOnNonFiniteLossHook'),
    dict(type='MECCompileCheckHook'),
]
default_hooks = dict(checkpoint=dict(interval=20, max_keep_ckpts=2),
                     logger=dict(interval=20))
