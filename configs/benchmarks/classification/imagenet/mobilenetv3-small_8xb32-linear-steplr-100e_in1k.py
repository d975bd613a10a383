# Linear probe of a MoCoSmall MobileNetV3-Small (configs/moco_small/mocosmall_mobilenetv3-small_*):
# the official evaluation feature is the output of the classifier block
# Linear(576, 1024) - h_swish - Dropout(0.2), taken in eval mode (docs/methods/moco_small.md,
# defaults), so the frozen backbone is followed by the frozen block from the
# pre-training neck (MoCoSmallNeck, representation_only: no 128-d head), then
# the linear classifier, with MoCo's protocol (main_lincls.py: SGD lr 30, batch
# 256 = 8 x 32, x0.1 at epochs 60 and 80, wd 0, fc N(0, 0.01)). Both frozen
# parts load from the pre-training checkpoint, so name it twice:
#
#   bash tools/dist_train.sh configs/benchmarks/classification/imagenet/mobilenetv3-small_8xb32-linear-steplr-100e_in1k.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=CKPT model.neck.init_cfg.checkpoint=CKPT
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
