# mmpretrain's LARS for SimCLR and BYOL on the small network: lr 4.8 at the base batch that
# auto_scale_lr names (set in each config), momentum 0.9, weight decay 1e-6, batch norm, biases
# and the shortcut's batch norm out of weight decay and LARS; bfloat16 where the CPU has it. The
# 4-epoch cosine schedule with its 1-epoch warm-up.
_base_ = './ssl_coslr_4e_quick.py'
optim_wrapper = dict(
    type='BFloat16OptimWrapper',
    optimizer=dict(type='LARS', lr=4.8, momentum=0.9, weight_decay=1e-6),
    paramwise_cfg=dict(custom_keys={
        'bn': dict(decay_mult=0, lars_exclude=True),
        'bias': dict(decay_mult=0, lars_exclude=True),
        'downsample.1': dict(decay_mult=0, lars_exclude=True)}))
