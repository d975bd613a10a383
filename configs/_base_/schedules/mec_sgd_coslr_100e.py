# Official MEC optimisation: SGD momentum 0.9, weight decay 1e-5 on every
# parameter, lr = 0.5 * B / 256, linear warm-up from 0 over 10 epochs, then
# cosine to 0, updated per iteration; 100 epochs. The 1/lambda warm-up
# (8/lambda -> 1/lambda over the same 10 epochs) is a hook.
base_lr = 0.5  # per 256 images; auto_scale_lr rescales it to the real batch
warmup_epochs = 10
max_epochs = 100
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
# resumes inside an epoch too (mmengine's loop restarts the epoch)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
# lr = base_lr * (total batch) / 256, applied by the Runner (always on: the
# official recipe scales linearly from base 0.5)
auto_scale_lr = dict(base_batch_size=256, enable=True)
# the 1/lambda warm-up; the Taylor-radius guard (every 100 iterations); the stop at a non-finite
# loss; a warning if the config's compile=True would recompile the step every iteration
custom_hooks = [
    dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs, start_factor=8.),
    dict(type='MECTaylorGuardHook', radius_interval=100),
    dict(type='MECStopOnNonFiniteLossHook'),
    dict(type='MECCompileCheckHook'),
]
