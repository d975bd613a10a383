"""mmseg benchmark configs from a converted MEC checkpoint: the plain-stem
ResNet takes every key (no random stem left behind), the weights are the
checkpoint's, and two training iterations give finite losses."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from downstream_utils import ROOT, capture_load_reports, load_backbone, run, small_training
from tiny_datasets import make_voc_segmentation

SEG = osp.join(ROOT, 'configs/benchmarks/mmsegmentation')
CROP = (96, 96)


def _shrink(pipeline):
    """The benchmark pipeline at a small crop (resize range and crop only)."""
    for step in pipeline:
        if step['type'] == 'RandomResize':
            step['scale'] = (192, 96)
        elif step['type'] in ('RandomCrop', ):
            step['crop_size'] = CROP
        elif step['type'] == 'Pad':
            step['size'] = CROP
    return pipeline


@pytest.mark.slow  # builds and steps a segmentor on a ResNet-50 checkpoint
def test_fcn_voc12aug_loads_every_backbone_key_and_trains(converted_r50, tmp_path, monkeypatch):
    ckpt = converted_r50['student']
    cfg = Config.fromfile(osp.join(SEG, 'voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'))
    # a deep-stem ResNetV1c would leave stem.* random with a plain ResNet-50 file
    assert cfg.model.backbone.type == 'ResNet' and cfg.model.backbone.deep_stem is False
    assert cfg.model.pretrained is None
    assert cfg.model.backbone.norm_cfg.type == 'SyncBN' and cfg.model.backbone.norm_eval is False

    cfg.model.backbone.init_cfg.checkpoint = ckpt
    cfg.model.data_preprocessor.size = CROP
    root = make_voc_segmentation(str(tmp_path / 'VOC2012'))
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.data_root = root
        ds.pipeline = _shrink(ds.pipeline)
    cfg.train_dataloader.batch_size = 2
    cfg = small_training(cfg, str(tmp_path / 'work'), name='fcn_voc')
    reports = capture_load_reports(monkeypatch)
    recorder = run(cfg)

    state = load_backbone(ckpt)
    [report] = [r for r in reports if type(r['module']).__name__ == 'ResNet']
    assert report['n_keys'] == len(state) == 318
    assert report['missing'] == [] and report['unexpected'] == [], report['text']
    for key, value in state.items():
        assert torch.equal(recorder.initial[f'backbone.{key}'], value), key
    assert len(recorder.losses) == 2
    for step in recorder.losses:
        assert {'decode.loss_ce', 'aux.loss_ce'} <= set(step), sorted(step)
        assert all(math.isfinite(v) for v in step.values()), step


def test_cityscapes_config_has_the_plain_stem():
    """The Cityscapes config builds a backbone with exactly a converted
    ResNet-50's keys (in particular conv1/bn1, not stem.*)."""
    import mec_plugin  # noqa: F401
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS
    from mec_plugin.utils.checkpoint import expected_resnet_keys

    cfg = Config.fromfile(osp.join(SEG, 'cityscapes/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py'))
    assert cfg.model.pretrained is None and cfg.model.backbone.init_cfg.type == 'Pretrained'
    assert cfg.model.backbone.dilations == (1, 1, 2, 4)  # the base's D8 layout survives
    backbone_cfg = dict(cfg.model.backbone.to_dict(), norm_cfg=dict(type='BN'), init_cfg=None)
    with DefaultScope.overwrite_default_scope('mmseg'):
        backbone = MODELS.build(backbone_cfg)
    assert set(backbone.state_dict()) == set(expected_resnet_keys(50, '7x7'))
