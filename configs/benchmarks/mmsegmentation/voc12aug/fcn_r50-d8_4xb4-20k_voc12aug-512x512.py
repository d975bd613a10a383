# FCN R50-D8 on Pascal VOC 2012 + SBD aug, 20k iterations, 512x512 crops:
# mmseg's recipe, initialised from a converted MEC backbone.
#
# mmseg's FCN bases use ResNetV1c (a deep stem of three 3x3 convs, stem.*),
# and 'open-mmlab://resnet50_v1c' as model.pretrained. A torchvision-layout
# ResNet-50 (7x7 conv1 + bn1) has no stem.* keys: loaded into ResNetV1c the
# stem would stay random, with only a warning. So the backbone is mmseg's
# plain ResNet (deep_stem=False; same depth, dilations, strides, SyncBN) and
# model.pretrained is cleared, leaving init_cfg as the only source of weights.
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'

custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)

pretrained = 'work_dirs/pretrained/mec_r50_backbone.pth'  # set by tools/benchmarks/*.sh
model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        deep_stem=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
