# The VISSL ImageNet optimisation of DISSL / CISSL: SGD + LARC (trust 0.001,
# no clipping, eps 1e-8; the plugin's LARC is apex's rule), momentum 0.9,
# weight decay 1e-6 on every parameter (BN and biases included), lr 0.3 per
# 256 images (auto_scale_lr: 3.0 at 8 x 320), linear warm-up from 0.001 over
# the first 10 % of training, then cosine to 0; AMP (fp16 with dynamic loss
# scaling; the losses cast their logits to float32). VISSL's composite
# schedule scales the cosine 'fixed': it is evaluated on the progress of the
# whole run, lr = 3.0 (1 + cos(pi t / T)) / 2 for t >= the warm-up, so it
# starts below the peak (2.93 at 10 of 100 epochs) -- WholeRunCosineAnnealingLR,
# not a cosine stretched over the remaining epochs. MMEngine's LinearLR
# reaches the peak one iteration before the cosine takes over, VISSL's one
# iteration later (a relative difference < 1 / warm-up iterations).
base_lr = 0.3
warmup_epochs = 10
max_epochs = 100
warmup_start_lr = 0.001
total_batch = 8 * 320  # start_factor below assumes this batch (lr 3.0)
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='LARC', lr=base_lr, momentum=0.9, weight_decay=1e-6,
                   trust_coefficient=0.001, clip=False, eps=1e-8))
param_scheduler = [
    dict(type='LinearLR', start_factor=warmup_start_lr / (base_lr * total_batch / 256),
         by_epoch=True, begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='WholeRunCosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),  # no end: the Runner ends it at max_epochs
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)  # resumes inside an epoch
auto_scale_lr = dict(base_batch_size=256, enable=True)
