# CISSL with a ResNet-50 (VISSL cissl_nomulti.yaml): one shared encoder, no
# stop-gradient. Student = the linear probe's shape, Linear(2048 -> 128) + BN;
# teacher = 2048 -> 2048 -> 2048 (BN, ReLU, no bias) -> 128 + BN. The
# teacher's final BN bias is frozen at 0; the student's trains. The yaml's
# NON_TRAINABLE_PARAMS names both, but VISSL freezes by exact parameter name
# and only 'heads.0.1.clf.1.bias' (teacher) exists: the student's BN is
# 'heads.1.0.clf.1.bias', not the listed 'heads.1.0.norm.bias'.
# tau = 0.1, teacher gathered.
# Initialisation (VISSL): PyTorch's default, the two 2048 -> 128 layers
# N(0, 1/128) (is_JL_init, Johnson-Lindenstrauss).
# Trunk initialisation as VISSL's ResNeXt trunk ends up: it rebuilds conv1,
# bn1 and every stage after torchvision's init loop, so all of them keep
# PyTorch's default (conv kaiming_uniform(a=sqrt(5)), BN 1 / 0) and no block
# has a zero-initialised last BN: init_cfg=None, zero_init_residual=False.
model = dict(
    type='CISSL',
    backbone=dict(type='ResNet', depth=50, norm_cfg=dict(type='SyncBN'), init_cfg=None,
                  zero_init_residual=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='CISSLHead',
        student=dict(type='ISSLMLP', in_channels=2048, out_channels=128, out_bias=False,
                     last_bn=True, freeze_last_bn_bias=False, norm_cfg=dict(type='SyncBN'),
                     init_cfg=None, jl_init_out=True),
        teacher=dict(type='ISSLMLP', in_channels=2048, hid_channels=[2048, 2048],
                     out_channels=128, out_bias=False, last_bn=True, freeze_last_bn_bias=True,
                     norm_cfg=dict(type='SyncBN'), init_cfg=None, jl_init_out=True),
        temperature=0.1,
        gather_teacher=True))
