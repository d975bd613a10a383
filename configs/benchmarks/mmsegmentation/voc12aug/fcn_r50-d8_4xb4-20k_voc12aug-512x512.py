# FCN R50-D8 on Pascal VOC 2012 + SBD aug, 20k iterations, 512x512 crops: mmseg's recipe from a
# converted MEC backbone, on a plain ResNet, not ResNetV1c. Notes: docs/user_guides/downstream.md#config-notes.
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'

custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)

pretrained = 'work_dirs/pretrained/mec_r50_backbone.pth'  # set by tools/benchmarks/*.sh
model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        deep_stem=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
