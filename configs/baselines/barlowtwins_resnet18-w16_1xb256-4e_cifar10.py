# mmpretrain's Barlow Twins (its config's heads, loss and LARS) on the quick MEC config's small network and data.
_base_ = [
    '../_base_/models/r18w16_cifar.py',
    '../_base_/datasets/cifar10_mec_in_memory.py',
    '../_base_/schedules/ssl_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
dim = 512
model = dict(
    type='BarlowTwins',
    backbone={{_base_.backbone}},
    neck=dict(type='NonLinearNeck', in_channels=128, hid_channels=dim, out_channels=dim,
              num_layers=3, with_last_bn=False, with_last_bn_affine=False, with_avg_pool=True,
              init_cfg=dict(type='Kaiming', distribution='uniform', layer=['Linear'])),
    head=dict(type='LatentCrossCorrelationHead', in_channels=dim,
              loss=dict(type='CrossCorrelationLoss', lambd=0.0051)))  # lambda: the loss's default
train_dataloader = dict(batch_size=256)
optim_wrapper = dict(
    type='BFloat16OptimWrapper',
    optimizer=dict(type='LARS', lr=1.6, momentum=0.9, weight_decay=1e-6),
    paramwise_cfg=dict(custom_keys={
        'bn': dict(decay_mult=0, lr_mult=0.024, lars_exclude=True),
        'bias': dict(decay_mult=0, lr_mult=0.024, lars_exclude=True),
        'downsample.1': dict(decay_mult=0, lr_mult=0.024, lars_exclude=True)}))
auto_scale_lr = dict(base_batch_size=2048, enable=True)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
