# Linear probe of a MoCoSmall MobileNetV3-Small (frozen backbone + classifier block, MoCo's
# protocol); the checkpoint is named twice. Details and usage: docs/methods/moco_small.md#configs.
_base_ = ['./resnet50_8xb32-linear-steplr-100e_in1k.py']
rep_dim = 1024
model = dict(
    backbone=dict(
        _delete_=True, type='MobileNetV3', arch='small',
        norm_cfg=dict(type='BN', eps=1e-5, momentum=0.1),  # as pre-trained
        frozen_stages=12,  # layer0 (stem) ... layer12 (the 576-channel conv): all of it
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(
        _delete_=True, type='mec_plugin.MoCoSmallNeck', in_channels=576, feat_channels=rep_dim,
        feat_dropout=0.2, representation_only=True, frozen=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='neck.')),
    head=dict(in_channels=rep_dim))
