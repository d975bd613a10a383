# DISSL with the "dimensionality" ResNet-50 (VISSL's Z_DIM_OLD_TMP_NEW
# [2048, 512, 8192]): the 2048-d trunk is widened to 8192 by the expander
# block (DimExpanderNeck: 1x1 -> 512, 3x3, 1x1 -> 8192, BN, plus the input
# tiled x4, ReLU) before the average pool. Teacher: 8192 -> 512 (BN, ReLU),
# residual MLP x + f(x), f = 512 -> 2048 -> 2048 -> 512 (each Linear-BN-ReLU),
# Linear to 16384; student: 8192 -> 512 (BN) -> 16384. PyTorch's default
# initialisation, as VISSL.
# The evaluation tools (k-NN, features, retrieval) read the 8192-d
# representation: backbone, then this neck (eval_representation below;
# `--representation backbone` gives the 2048-d trunk). Linear probes:
# configs/benchmarks/classification/imagenet/resnet50-dim8192_*.py
_base_ = './dissl_r50.py'
rep_dim = 8192
model = dict(
    neck=dict(_delete_=True, type='DimExpanderNeck', in_channels=2048, mid_channels=512,
              out_channels=rep_dim, norm_cfg=dict(type='SyncBN')),
    head=dict(
        teacher=dict(_delete_=True, type='ISSLMLP', in_channels=rep_dim, hid_channels=[512],
                     res_channels=[2048, 2048], out_channels={{_base_.num_clusters}},
                     norm_cfg=dict(type='SyncBN'), init_cfg=None),
        student=dict(in_channels=rep_dim)))
eval_representation = 'backbone+neck'
