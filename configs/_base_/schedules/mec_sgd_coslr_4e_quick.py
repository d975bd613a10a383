# The official MEC optimisation compressed to 4 epochs for CPU demos: SGD
# lr 0.5 x B / 256, momentum 0.9, wd 1e-5, linear lr warm-up and 8/lambda ->
# 1/lambda warm-up over the first epoch, then cosine.
max_epochs = 4
warmup_epochs = 1
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
# resumes inside an epoch too (mmengine's loop restarts the epoch)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=256, enable=True)
# the 1/lambda warm-up; the Taylor-radius guard (every 20 iterations); the stop at a non-finite
# loss; a warning if the config's compile=True would recompile the step every iteration
custom_hooks = [
    dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs, start_factor=8.),
    dict(type='MECTaylorGuardHook', radius_interval=20),
    dict(type='MECStopOnNonFiniteLossHook'),
    dict(type='MECCompileCheckHook'),
]
