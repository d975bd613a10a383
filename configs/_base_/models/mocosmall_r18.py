# The small-model MoCo baseline (Shi et al., arXiv 2107.14762; official
# main_moco_final.py / moco/builder.py defaults) on a ResNet-18:
#   queue K = 65536 keys of dim 128 (--moco-k, --moco-dim), T = 0.1 (--moco-t),
#   key encoder EMA m = 0.999 (--moco-m; mmengine convention: the weight of the
#   new parameters, momentum=0.001), the 'wide' head (--mlp wide)
#   Linear(D, 2D) - ReLU - Linear(2D, 128) without BN; D = 512 for ResNet-18.
# The official ResNet-18 is torchvision's (no zero-init of the last BN).
# BN is per GPU, not SyncBN: the official main_moco_final.py keeps plain BN and
# shuffles the keys across GPUs (shuffle-BN, He et al. 2020 §3.3), which
# mmpretrain's MoCo does in loss() (batch_shuffle_ddp / batch_unshuffle_ddp).
# With SyncBN the shuffle would change nothing. 8 GPUs x 64: the per-GPU
# statistics come from 64 images.
model = dict(
    type='MoCoSmall',
    queue_len=65536,
    feat_dim=128,
    momentum=0.001,
    backbone=dict(type='ResNet', depth=18, norm_cfg=dict(type='BN'),
                  zero_init_residual=False),
    neck=dict(type='MoCoSmallNeck', in_channels=512, out_channels=128, mlp='wide'),
    head=dict(type='MoCoInfoNCEHead', temperature=0.1))
