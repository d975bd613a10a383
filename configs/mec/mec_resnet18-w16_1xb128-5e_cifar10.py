# MEC for a 5-epoch CIFAR-10 budget on a 2-core CPU (the same-budget comparison): the quick
# CIFAR config at batch 128 with lr 0.5 per step, and the lr and 1/lambda warm-ups shortened
# to a quarter epoch. What each change bought:
# docs/results.md#cifar-10-nine-methods-at-the-same-budget
_base_ = './mec_resnet18-w16_1xb256-4e_cifar10.py'
max_epochs = 5
warmup_epochs = 0.25
train_dataloader = dict(batch_size=128)
auto_scale_lr = dict(base_batch_size=128)  # lr 0.5 per step at batch 128, not 0.25
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
# _base_/schedules/mec_sgd_coslr_4e_quick.py's hooks with this config's warmup_epochs (a list
# is replaced, not merged)
custom_hooks = [
    dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs, start_factor=8.),
    dict(type='MECTaylorGuardHook', radius_interval=20),
    dict(type='MECStopOnNonFiniteLossHook'),
    dict(type='MECCompileCheckHook'),
]
