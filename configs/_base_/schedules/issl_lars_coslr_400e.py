# The VISSL DISSL optimisation (issl_lars_coslr_100e.py) for 400 epochs: the
# warm-up is 2.5 % of training in VISSL's e400 configs, i.e. the same 10 epochs.
_base_ = './issl_lars_coslr_100e.py'
max_epochs = 400
warmup_epochs = 10
param_scheduler = [
    # from lr 0.001 at the scaled lr 3.0 (8 x 320), as in the 100-epoch base
    dict(type='LinearLR', start_factor=0.001 / 3.0, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    # the cosine on the whole run's progress, as in the 100-epoch base
    dict(type='WholeRunCosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
