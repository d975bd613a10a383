# CMC's ResNet-50 per view (official models/resnet.py): mmpretrain's ResNet
# with a 64-channel 7x7 stem (not scaled, as in the official code) and
# stage widths base_channels * 2^i: base 32 / 64 / 128 = width 0.5 / 1 / 2
# (resnet50v1 / v2 / v3), 1 input channel for L and 2 for ab. Kaiming
# fan-out normal init of the convs (= N(0, sqrt(2 / (k*k*out)))), every BN
# 1 / 0, as the official init (no zero-initialised last BN of the blocks:
# zero_init_residual=False against mmpretrain's default). The projector is avgpool -> fc -> 128 -> L2 norm.
width = 0.5
model = dict(
    type='CMC',
    n_data=0,  # 0: sized from the training set by NCEMemoryHook
    feat_dim=128,
    num_noise=16384,
    temperature=0.07,
    memory_momentum=0.5,
    loss='nce',
    contrast='memory',  # official: the other view's memory rows
    data_preprocessor=dict(type='SelfSupDataPreprocessor'),
    backbone=dict(type='CMCSplitBackbone', view_channels=(1, 2),
                  encoder=dict(type='ResNet', depth=50, stem_channels=64,
                               base_channels=int(64 * width), out_indices=(3, ),
                               norm_cfg=dict(type='BN'), zero_init_residual=False)),
    neck=dict(type='CMCProjector', in_channels=int(2048 * width), feat_dim=128))
custom_hooks = [dict(type='NCEMemoryHook')]
