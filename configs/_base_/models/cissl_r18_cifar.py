# CISSL with the CIFAR ResNet-18 (z = 512), heads of the ISSL config: student
# Linear(512 -> 128) + BN (the probe's shape), teacher Linear(512 -> 1024)-BN-
# ReLU-Linear(1024 -> 128) + BN; tau = 0.07.
model = dict(
    type='CISSL',
    # ISSL's torchvision resnet18: Kaiming fan-out convs, BN 1 / 0, no zero-init
    backbone=dict(type='ResNet_CIFAR', depth=18, norm_cfg=dict(type='SyncBN'),
                  zero_init_residual=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='CISSLHead',
        student=dict(type='ISSLMLP', in_channels=512, out_channels=128, out_bias=False,
                     last_bn=True, norm_cfg=dict(type='SyncBN')),
        teacher=dict(type='ISSLMLP', in_channels=512, hid_channels=[1024], out_channels=128,
                     out_bias=False, last_bn=True, norm_cfg=dict(type='SyncBN')),
        temperature=0.07))
