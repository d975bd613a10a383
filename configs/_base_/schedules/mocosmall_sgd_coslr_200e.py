# Optimisation of the small-model MoCo baseline (official main_moco_final.py
# with --lr 0.06 --batch-size 512 --cos): SGD lr 0.06 for a total batch of
# 512 (the code has no scaling rule; auto_scale_lr is off, enable it with
# --auto-scale-lr to scale linearly from 512), momentum 0.9, weight decay 1e-4
# on every parameter, lr * (1 + cos(pi * epoch / epochs)) / 2 set once per
# epoch, no warm-up; AMP (autocast + GradScaler) as in the official loop.
max_epochs = 200
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='SGD', lr=0.06, momentum=0.9, weight_decay=1e-4))
# no `end` / `T_max`: MMEngine ends it at train_cfg.max_epochs, whatever that is set to
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, begin=0, eta_min=0.)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512, enable=False)
