# A small MEC for CPU demos: CIFAR ResNet-18 at a quarter width
# (16-32-64-128 channels; ~0.7 M parameters), the 3-layer projector and
# 2-layer predictor at d = 512 (hidden 128), Taylor order 4.
# eps^2 = 128, i.e. eps^2 / d = 1/4 and 1/lambda = m / 4 (64 at batch 256):
# with the official ratio eps^2 / d = 1/32 (eps^2 = 16 here) Fashion-MNIST
# diverged in epoch 2 -- the Taylor guard measured rho(C) = 3.8, the teacher-
# student cosine turned negative and the order-4 term dominated the loss. The
# top direction of a 10-class batch holds ~m/10 of its energy, so 1/lambda
# = m/4 keeps rho(C) near 0.4 there (docs/methods/mec.md).
width = 16
dim = 512
model = dict(
    type='MEC',
    base_momentum=0.004,
    end_momentum=0.,
    backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=3, stem_channels=width,
                  base_channels=width, norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(type='MECProjector', in_channels=width * 8, hid_channels=dim, out_channels=dim,
              norm_cfg=dict(type='SyncBN')),
    head=dict(
        type='MECHead',
        predictor=dict(type='NonLinearNeck', in_channels=dim, hid_channels=dim // 4,
                       out_channels=dim, with_avg_pool=False, with_last_bn=False,
                       with_last_bias=True, norm_cfg=dict(type='SyncBN')),
        eps_square=128.,
        taylor_order=4,
        mode='auto'))
