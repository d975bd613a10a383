# The ISSL TinyImageNet optimisation (bin/tinyimagenet/base_tin.sh,
# config/main.yaml) for small datasets: Adam lr 2e-3, weight decay 1e-6,
# gradients clipped by value at 2, linear warm-up over 10 epochs then cosine
# to 0 (per iteration). No lr scaling with the batch (Adam).
max_epochs = 200
warmup_epochs = 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, weight_decay=1e-6),
    clip_grad=dict(type='value', clip_value=2.))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)  # resumes inside an epoch
