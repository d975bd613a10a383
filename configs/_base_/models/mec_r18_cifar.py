# MEC with the CIFAR ResNet-18 (3x3 stem, no max-pool; 512-d features), the
# official 3-layer projector at d = 2048 and the 2-layer predictor (hidden 512).
model = dict(
    type='MEC',
    base_momentum=0.004,
    end_momentum=0.,
    backbone=dict(type='ResNet_CIFAR', depth=18, norm_cfg=dict(type='SyncBN'),
                  zero_init_residual=True),
    neck=dict(type='MECProjector', in_channels=512, hid_channels=2048, out_channels=2048,
              norm_cfg=dict(type='SyncBN')),
    head=dict(
        type='MECHead',
        predictor=dict(type='NonLinearNeck', in_channels=2048, hid_channels=512,
                       out_channels=2048, with_avg_pool=False, with_last_bn=False,
                       with_last_bias=True, norm_cfg=dict(type='SyncBN')),
        eps_square=64.,
        taylor_order=4,
        mode='auto'))
