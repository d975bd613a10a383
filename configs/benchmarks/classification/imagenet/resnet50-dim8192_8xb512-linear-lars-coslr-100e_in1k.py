# Linear probe of DISSL's d = 8192 representation (frozen ResNet-50 + expander) with the plugin's
# ImageNet LARS protocol (MEC's probe). Details and usage: docs/methods/dissl.md#configs.
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
