"""Shared, expensive fixtures of the downstream tests: one MEC ResNet-50
Runner-style checkpoint and its converted backbone (student and teacher)."""
import os.path as osp

import pytest
from mmengine.config import Config

from downstream_utils import ROOT, load_tool, sync_bn_to_bn, write_plugin_checkpoint


@pytest.fixture(scope='session')
def mec_r50_checkpoint(tmp_path_factory):
    """(path, state_dict) of a MEC ResNet-50 checkpoint, student != teacher."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/mec_r50.py'))
    path = str(tmp_path_factory.mktemp('mec_r50') / 'epoch_1.pth')
    state = write_plugin_checkpoint(sync_bn_to_bn(cfg.model.to_dict()), path)
    return path, state


@pytest.fixture(scope='session')
def converted_r50(mec_r50_checkpoint, tmp_path_factory):
    """{'student': path, 'teacher': path} of converted backbones."""
    tool = load_tool('tools/model_converters/extract_backbone_weights.py')
    out = {}
    for weights in ('student', 'teacher'):
        path = str(tmp_path_factory.mktemp('converted') / f'mec_r50_{weights}.pth')
        assert tool.main([mec_r50_checkpoint[0], path, '--weights', weights, '--depth', '50']) == 0
        out[weights] = path
    return out
