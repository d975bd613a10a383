# mmpretrain's SimSiam (stop-gradient, no EMA) for the 5-epoch CIFAR-10 budget on a 2-core CPU:
# BYOL's heads and LARS (2.4 per step at batch 128) in place of SimSiam's own heads and SGD,
# which stay below the centred pixels at this budget. What each choice bought: docs/results.md.
_base_ = './simsiam_resnet18-w16_1xb256-4e_cifar10.py'
dim = 128
model = dict(
    neck=dict(_delete_=True, type='NonLinearNeck', in_channels=128, hid_channels=4 * dim,
              out_channels=dim, num_layers=2, with_bias=True, with_last_bn=False,
              with_avg_pool=True),
    head=dict(predictor=dict(_delete_=True, type='NonLinearNeck', in_channels=dim,
                             hid_channels=4 * dim, out_channels=dim, num_layers=2,
                             with_bias=True, with_last_bn=False, with_avg_pool=False)))
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='LARS', lr=2.4, momentum=0.9, weight_decay=1e-6),
    paramwise_cfg=dict(_delete_=True, custom_keys={
        'bn': dict(decay_mult=0, lars_exclude=True),
        'bias': dict(decay_mult=0, lars_exclude=True),
        'downsample.1': dict(decay_mult=0, lars_exclude=True)}))
auto_scale_lr = dict(base_batch_size=128)
max_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = []  # the predictor follows the lr schedule, as BYOL's does
