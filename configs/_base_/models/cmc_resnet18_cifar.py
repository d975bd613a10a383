# CMC at CIFAR scale: per view (L, ab) a CIFAR ResNet-18 (3x3 stride-1 stem,
# no max-pool) at width 0.5 -- the pattern of resnet50v1 on 32 px images --
# then avgpool -> fc -> 128 -> L2 norm.
model = dict(
    type='CMC',
    n_data=0,  # sized from the training set by NCEMemoryHook
    feat_dim=128,
    num_noise=4096,
    temperature=0.07,
    memory_momentum=0.5,
    loss='nce',
    contrast='memory',  # official: the other view's memory rows
    data_preprocessor=dict(type='SelfSupDataPreprocessor'),
    backbone=dict(type='CMCSplitBackbone', view_channels=(1, 2),
                  encoder=dict(type='ResNet_CIFAR', depth=18, stem_channels=32,
                               base_channels=32, norm_cfg=dict(type='BN'),
                               zero_init_residual=False)),  # the official CMC init
    neck=dict(type='CMCProjector', in_channels=256, feat_dim=128))
custom_hooks = [dict(type='NCEMemoryHook')]
