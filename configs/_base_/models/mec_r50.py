# MEC with a ResNet-50 (official mec/builder.py): zero-init residuals, the
# 3-layer SimSiam projector (d = 2048, last BN without affine), a 2-layer
# predictor (hidden 512, student only), an EMA teacher over backbone +
# projector with momentum 0.996 -> 1 (mmengine convention: weight of the new
# parameters 0.004 -> 0), eps^2 = 64, Taylor order 4.
model = dict(
    type='MEC',
    base_momentum=0.004,
    end_momentum=0.,
    backbone=dict(
        type='ResNet',
        depth=50,
        norm_cfg=dict(type='SyncBN'),
        zero_init_residual=True),
    neck=dict(
        type='MECProjector',
        in_channels=2048,
        hid_channels=2048,
        out_channels=2048,
        norm_cfg=dict(type='SyncBN')),
    head=dict(
        type='MECHead',
        predictor=dict(
            type='NonLinearNeck',
            in_channels=2048,
            hid_channels=512,
            out_channels=2048,
            with_avg_pool=False,
            with_last_bn=False,
            with_last_bias=True,
            norm_cfg=dict(type='SyncBN')),
        eps_square=64.,
        taylor_order=4,
        mode='auto'))
