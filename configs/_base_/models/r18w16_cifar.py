# The small network every same-budget run shares: CIFAR ResNet-18 at a quarter width
# (16-32-64-128 channels, 128-d pooled features), as the MEC quick config.
width = 16
backbone = dict(type='ResNet_CIFAR', depth=18, in_channels=3, stem_channels=width,
                base_channels=width, norm_cfg=dict(type='SyncBN'), zero_init_residual=True)
