# The ISSL Adam recipe compressed to 2 epochs for CPU demos: 1 warm-up epoch,
# then 1 cosine epoch (Adam 2e-3, wd 1e-6, clip by value 2 from the 200-epoch file).
_base_ = './issl_adam_coslr_200e.py'
max_epochs = 2
warmup_epochs = 1
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)  # resumes inside an epoch
