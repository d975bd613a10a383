# Linear probe of the d = 8192 representation of DISSL's "dimensionality"
# ResNet-50 (configs/dissl/dissl_r50-dim8192_*): the frozen ResNet-50, then
# the frozen expander block (DimExpanderNeck, pooled, BN statistics kept),
# BatchNorm1d(8192, affine=False) and the linear classifier. Both frozen parts
# load from the pre-training checkpoint, so name it twice:
#
#   bash tools/dist_train.sh configs/benchmarks/classification/imagenet/resnet50-dim8192_8xb512-linear-lars-coslr-100e_in1k.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/dissl_r50-dim8192_8xb320-100e_in1k/epoch_100.pth \
#                     model.neck.0.init_cfg.checkpoint=work_dirs/dissl_r50-dim8192_8xb320-100e_in1k/epoch_100.pth
#
# The optimisation is the plugin's ImageNet LARS protocol (the inherited
# config: MEC's probe); DISSL's own VISSL protocol is
# resnet50-dim8192_1xb1024-linear-nesterov-steplr-28e_in1k.py.
_base_ = [
    './resnet50_8xb512-linear-lars-coslr-100e_in1k.py',
    '../../../_base_/models/dissl_r50-dim8192_probe_expander.py',
]
rep_dim = 8192
model = dict(
    neck=[
        {{_base_.probe_expander}},
        dict(type='ClsBatchNormNeck', input_features=rep_dim, affine=False, eps=1e-6),
    ],
    head=dict(in_channels=rep_dim))
