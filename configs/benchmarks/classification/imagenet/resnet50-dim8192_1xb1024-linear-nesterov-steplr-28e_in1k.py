# DISSL's own (VISSL) probe of the d = 8192 representation: frozen ResNet-50 + expander, trained
# BN + Linear(8192, 1000), SGD nesterov, 28 epochs. Details: docs/methods/dissl.md#configs.
_base_ = [
    './resnet50_1xb1024-linear-nesterov-steplr-28e_in1k.py',
    '../../../_base_/models/dissl_r50-dim8192_probe_expander.py',
]
rep_dim = 8192
model = dict(
    neck=[
        {{_base_.probe_expander}},
        dict(type='ClsBatchNormNeck', input_features=rep_dim, affine=True, eps=1e-5),
    ],
    head=dict(in_channels=rep_dim))
