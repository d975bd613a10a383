# CMC's split AlexNet (official models/alexnet.py, --model alexnet): one
# half-width AlexNet with BN per view (L: 1 channel, ab: 2), each ending in
# fc8 -> 128 and L2 normalisation. Outputs conv5 (index 4, the linear
# probe's layer) and the embedding (index 7, used by the loss).
model = dict(
    type='CMC',
    n_data=0,  # 0: sized from the training set by NCEMemoryHook
    feat_dim=128,
    num_noise=16384,  # --nce_k default of train_CMC.py (the README / released weights: 4096)
    temperature=0.07,
    memory_momentum=0.5,
    loss='nce',
    contrast='memory',  # official: the other view's memory rows
    data_preprocessor=dict(type='SelfSupDataPreprocessor'),
    backbone=dict(type='CMCSplitBackbone', view_channels=(1, 2),
                  encoder=dict(type='CMCAlexNet', feat_dim=128, out_indices=(4, 7))),
    neck=dict(type='CMCProjector', in_channels=None, feat_dim=128))  # fc8 is in the encoder
custom_hooks = [dict(type='NCEMemoryHook')]
