# DISSL with a ResNet-50 (VISSL e100_d2048): one shared encoder, no EMA, no
# stop-gradient. Representation z = pooled 2048-d ResNet features.
# Teacher: residual MLP x + f(x), f = 2 x (Linear 2048-BN-ReLU), then
# 2048 -> 512 (BN, ReLU), Linear to C = 16384; student: 2048 -> 512 (BN, no
# ReLU) -> 16384 (a linear map). VISSL's heads keep PyTorch's default
# initialisation (init_cfg=None; the ISSL code's trunc_normal(0.02) is the
# ISSLMLP default, used by the CIFAR configs).
# lambda = 2.3, beta = 0.6 (the e800 config warms beta up from 2.3 with
# DISSLBetaWarmupHook), tau_teacher 0.5, tau_student 1, marginal gathered.
num_clusters = 16384
# Trunk initialisation as VISSL's ResNeXt trunk ends up: it rebuilds conv1,
# bn1 and every stage after torchvision's init loop, so all of them keep
# PyTorch's default (conv kaiming_uniform(a=sqrt(5)), BN 1 / 0) and no block
# has a zero-initialised last BN: init_cfg=None, zero_init_residual=False.
model = dict(
    type='DISSL',
    backbone=dict(type='ResNet', depth=50, norm_cfg=dict(type='SyncBN'), init_cfg=None,
                  zero_init_residual=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='DISSLHead',
        teacher=dict(type='ISSLMLP', in_channels=2048, res_channels=[2048],
                     bottleneck_channels=512, bottleneck_relu=True, out_channels=num_clusters,
                     norm_cfg=dict(type='SyncBN'), init_cfg=None),
        student=dict(type='ISSLMLP', in_channels=2048, bottleneck_channels=512,
                     out_channels=num_clusters, norm_cfg=dict(type='SyncBN'), init_cfg=None),
        lambda_=2.3,
        beta=0.6,
        tau_teacher=0.5,
        tau_student=1.0,
        gather_marginal=True))
