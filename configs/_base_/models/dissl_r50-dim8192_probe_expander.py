# The frozen d = 8192 expander of a DISSL "dimensionality" checkpoint
# (configs/dissl/dissl_r50-dim8192_*), pooled, its weights and BN statistics
# loaded from the checkpoint's neck.*: the first neck of both d8192 linear
# probes (configs/benchmarks/classification/imagenet/resnet50-dim8192_*).
probe_expander = dict(
    type='mec_plugin.DimExpanderNeck', in_channels=2048, mid_channels=512, out_channels=8192,
    with_avg_pool=True, frozen=True,
    init_cfg=dict(type='Pretrained', checkpoint='', prefix='neck.'))
