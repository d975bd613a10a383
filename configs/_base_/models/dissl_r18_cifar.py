# DISSL with the CIFAR ResNet-18 (3x3 stride-1 stem, no max-pool; z = 512),
# heads of the ISSL TinyImageNet config: teacher Linear(512 -> 1024)-BN-ReLU,
# low-rank 512 (BN), Linear to C = 16384; student 512 -> 512 (BN) -> 16384.
# lambda = 2.3, beta = 0.8 (no warm-up in the ISSL code), tau_t 0.5, tau_s 1.
num_clusters = 16384
model = dict(
    type='DISSL',
    # ISSL's torchvision resnet18: Kaiming fan-out convs, BN 1 / 0, no zero-init
    backbone=dict(type='ResNet_CIFAR', depth=18, norm_cfg=dict(type='SyncBN'),
                  zero_init_residual=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='DISSLHead',
        teacher=dict(type='ISSLMLP', in_channels=512, hid_channels=[1024],
                     bottleneck_channels=512, out_channels=num_clusters,
                     norm_cfg=dict(type='SyncBN')),
        student=dict(type='ISSLMLP', in_channels=512, bottleneck_channels=512,
                     out_channels=num_clusters, norm_cfg=dict(type='SyncBN')),
        lambda_=2.3,
        beta=0.8,
        tau_teacher=0.5,
        tau_student=1.0))
