"""Each checkpoint file is read exactly once, through the plugin's safe
loader, whatever its format and whichever tool reads it: the evaluation
tools' ``build_backbone`` / ``build_encoder`` (backbone and neck from one
load), the converters and the MoCo warm-start hook. Reading and format
detection live in one module, which does not import the evaluation package."""
import ast
import os

import pytest
import torch

import mec_plugin  # noqa: F401
from mec_plugin.evaluation import build_backbone, build_encoder
from mec_plugin.registry import HOOKS, MODELS
from mec_plugin.utils import checkpoint as checkpoint_module
from mec_plugin.utils import safe_checkpoint
from mmpretrain.utils import register_all_modules
from _eval_data import TINY_BACKBONE
from _scripts import ROOT, load_tool

register_all_modules(init_default_scope=True)
extract = load_tool('tools/model_converters/extract_backbone_weights.py')
to_tv = load_tool('tools/model_converters/backbone_to_torchvision.py')
NECK = dict(type='DimExpanderNeck', in_channels=64, mid_channels=8, out_channels=128,
            norm_cfg=dict(type='BN'))
# a whole ResNet-18 with torchvision's 7x7 stem, small enough to write quickly
R18_7X7 = dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
               norm_cfg=dict(type='BN'))


@pytest.fixture
def reads(monkeypatch):
    """Counts of calls to the safe loader and to ``torch.load``."""
    counts = dict(safe=0, torch=0)
    real_safe, real_torch = safe_checkpoint.load_from_local, torch.load

    def counting_safe(*args, **kwargs):
        counts['safe'] += 1
        return real_safe(*args, **kwargs)

    def counting_torch(*args, **kwargs):
        counts['torch'] += 1
        return real_torch(*args, **kwargs)

    monkeypatch.setattr(safe_checkpoint, 'load_from_local', counting_safe)
    monkeypatch.setattr(torch, 'load', counting_torch)
    return counts


def _state(cfg):
    torch.manual_seed(0)
    return {k: v.clone() for k, v in MODELS.build(cfg).state_dict().items()}


def _formats(bb, neck):
    """{name: what torch.save writes} for every format the evaluation tools read."""
    fc = {'fc.weight': torch.zeros(10, 64), 'fc.bias': torch.zeros(10)}
    prefixed = lambda prefix, sd: {prefix + k: v for k, v in sd.items()}  # noqa: E731
    return {
        'plugin': dict(state_dict={**prefixed('backbone.', bb), **prefixed('neck.', neck),
                                   **prefixed('teacher.module.0.', bb),
                                   **prefixed('teacher.module.1.', neck)},
                       meta=dict(epoch=1)),
        'mmpretrain_moco': dict(state_dict={**prefixed('backbone.', bb),
                                            **prefixed('neck.', neck),
                                            **prefixed('encoder_k.module.0.', bb),
                                            **prefixed('encoder_k.module.1.', neck)}),
        'mmpretrain_classifier': dict(state_dict={**prefixed('backbone.', bb),
                                                  'head.fc.weight': torch.zeros(10, 64)}),
        'bare': dict(state_dict=dict(bb)),
        'torchvision': {**bb, **fc},
        'official_moco': dict(state_dict={**prefixed('module.encoder_q.', bb),
                                          'module.encoder_q.fc.0.weight': torch.zeros(3, 3)}),
        'official_mec': dict(state_dict={**prefixed('module.encoder.', bb),
                                         **prefixed('module.encoder.', fc),
                                         'module.predictor.0.weight': torch.zeros(3, 3)}),
    }


BACKBONE_CASES = [('plugin', 'student'), ('plugin', 'teacher'), ('mmpretrain_moco', 'teacher'),
                  ('mmpretrain_classifier', 'student'), ('bare', 'student'),
                  ('torchvision', 'student'), ('official_moco', 'student'),
                  ('official_mec', 'student')]


@pytest.mark.parametrize('fmt,weights', BACKBONE_CASES)
def test_build_backbone_reads_each_format_once(fmt, weights, reads, tmp_path):
    path = str(tmp_path / f'{fmt}.pth')
    torch.save(_formats(_state(TINY_BACKBONE), _state(NECK))[fmt], path)
    build_backbone(TINY_BACKBONE, path, weights)
    assert reads == dict(safe=1, torch=1)


@pytest.mark.parametrize('fmt,weights', [('plugin', 'student'), ('plugin', 'teacher'),
                                         ('mmpretrain_moco', 'teacher')])
def test_backbone_and_neck_come_from_one_read(fmt, weights, reads, tmp_path):
    path = str(tmp_path / f'{fmt}.pth')
    torch.save(_formats(_state(TINY_BACKBONE), _state(NECK))[fmt], path)
    build_encoder(dict(backbone=TINY_BACKBONE, neck=NECK), path, weights, 'backbone+neck')
    assert reads == dict(safe=1, torch=1)


@pytest.mark.parametrize('fmt,weights', [('plugin', 'student'), ('plugin', 'teacher'),
                                         ('bare', 'student'), ('torchvision', 'student'),
                                         ('official_mec', 'student')])
@pytest.mark.parametrize('tool', ['extract_backbone_weights', 'backbone_to_torchvision'])
def test_converters_read_each_format_once(tool, fmt, weights, reads, tmp_path):
    path, out = str(tmp_path / f'{fmt}.pth'), str(tmp_path / 'out.pth')
    torch.save(_formats(_state(R18_7X7), {})[fmt], path)
    if tool == 'extract_backbone_weights':
        meta = extract.convert(path, out, weights)
        assert meta['source_format'] == ('plugin' if fmt == 'plugin' else
                                         'official_mec' if fmt == 'official_mec' else
                                         'torchvision' if fmt == 'torchvision' else 'backbone')
    else:
        assert to_tv.convert(path, out, weights)['depth'] == 18
    assert reads == dict(safe=1, torch=1)


def test_warm_start_reads_once(reads, tmp_path):
    path = str(tmp_path / 'plugin.pth')
    torch.save(_formats(_state(TINY_BACKBONE), _state(NECK))['plugin'], path)
    hook = HOOKS.build(dict(type='MoCoWarmStartHook', checkpoint=path))
    assert any(k.startswith('backbone.') for k in hook._state_dict())
    assert reads == dict(safe=1, torch=1)


def test_a_file_without_weights_is_named(tmp_path):
    path = str(tmp_path / 'tensor.pth')
    torch.save(torch.zeros(3), path)
    with pytest.raises(checkpoint_module.CheckpointFormatError, match='no state_dict in it'):
        checkpoint_module.load_checkpoint_file(path)


def test_the_checkpoint_module_does_not_import_the_evaluation_package():
    with open(os.path.join(ROOT, 'mec_plugin', 'utils', 'checkpoint.py'), encoding='utf-8') as f:
        tree = ast.parse(f.read())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]
    assert not [m for m in imported if m and m.startswith('mec_plugin.evaluation')], imported


def test_the_evaluation_package_keeps_its_names():
    from mec_plugin.evaluation import features
    for name in ('find_backbone_weights', 'backbone_state_dict', 'neck_state_dict',
                 'load_checkpoint_file', 'WEIGHT_PREFIXES', 'OTHER_TEACHER_PREFIXES',
                 'FOREIGN_PREFIXES', 'CLASSIFIER_PREFIXES'):
        assert getattr(features, name) is getattr(checkpoint_module, name), name
