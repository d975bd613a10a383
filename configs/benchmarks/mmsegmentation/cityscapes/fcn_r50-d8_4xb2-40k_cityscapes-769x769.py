# FCN R50-D8 on Cityscapes, 40k iterations, 769x769 crops: mmseg's recipe from a converted MEC
# backbone, on mmseg's plain ResNet instead of ResNetV1c. Notes: docs/user_guides/downstream.md#config-notes.
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py'

custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)

pretrained = 'work_dirs/pretrained/mec_r50_backbone.pth'  # set by tools/benchmarks/*.sh
model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        deep_stem=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
