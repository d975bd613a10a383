"""The plugin in the projects users already have: an mmdet and an mmseg
config that name the plugin only in ``custom_imports`` build and train one
iteration in a fresh interpreter (nothing imported the plugin before the
config did); type names resolve with and without a scope prefix; importing
the plugin again, or beside mmdet's and mmseg's registries, collides with
nothing. (The mmpretrain config case is in tests/engine/test_mec_training.py.)"""
import importlib
import json
import math
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from _tiny import tiny_mec_model
from downstream_utils import ROOT, load_tool, small_training, sync_bn_to_bn, write_plugin_checkpoint
from tiny_datasets import make_coco, make_voc_segmentation

# a fresh interpreter: the config alone must bring the plugin in; one
# training iteration; the losses as one JSON line
FRESH = r'''
import json, sys
assert 'mec_plugin' not in sys.modules
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
cfg = Config.fromfile(sys.argv[1])
assert 'mec_plugin' in sys.modules, 'custom_imports did not import the plugin'
losses = []

class Record(Hook):
    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        losses.append({k: float(v) for k, v in outputs.items()})

runner = Runner.from_cfg(cfg)
runner.register_hook(Record(), priority='LOWEST')
runner.train()
# the other hosts' registries beside the plugin, and the plugin imported again
import importlib
import mmdet.utils, mmseg.utils, mmpretrain.utils
mmdet.utils.register_all_modules(init_default_scope=False)
mmseg.utils.register_all_modules(init_default_scope=False)
mmpretrain.utils.register_all_modules(init_default_scope=False)
from mmengine.utils import import_modules_from_strings
import_modules_from_strings(['mec_plugin'], allow_failed_imports=False)
Config.fromfile(sys.argv[1])
print('LOSSES ' + json.dumps(losses))
'''


def run_fresh(cfg, path):
    cfg.dump(path)
    res = subprocess.run([sys.executable, '-c', FRESH, path], capture_output=True, text=True,
                         cwd=ROOT, timeout=600,
                         env=dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '2')))
    assert res.returncode == 0, res.stderr[-4000:]
    [line] = [x for x in res.stdout.splitlines() if x.startswith('LOSSES ')]
    losses = json.loads(line[len('LOSSES '):])
    assert len(losses) == 1
    assert all(math.isfinite(v) for v in losses[0].values()), losses
    return losses[0]


@pytest.mark.slow  # trains in a fresh interpreter
def test_mmdet_config_with_a_converted_backbone_trains_in_a_fresh_interpreter(tmp_path):
    model_cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/mec_r18_cifar.py')).model
    ckpt = str(tmp_path / 'epoch_1.pth')
    write_plugin_checkpoint(sync_bn_to_bn(model_cfg.to_dict()), ckpt, seed=3)
    converted = str(tmp_path / 'r18_cifar.pth')
    tool = load_tool('tools/model_converters/extract_backbone_weights.py')
    assert tool.main([ckpt, converted, '--stem', '3x3', '--depth', '18']) == 0

    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/benchmarks/mmdetection/coco/mask-rcnn_r18-cifar_fpn_1x_coco.py'))
    assert 'mec_plugin' in cfg.custom_imports.imports and cfg.default_scope == 'mmdet'
    assert cfg.model.backbone.type == 'mmpretrain.ResNet_CIFAR'  # a scope-prefixed name
    cfg.model = Config(dict(m=sync_bn_to_bn(cfg.model.to_dict()))).m
    cfg.model.backbone.init_cfg.checkpoint = converted
    cfg.train_dataloader.dataset.data_root = make_coco(str(tmp_path / 'coco'))
    cfg.train_dataloader.batch_size = 1
    cfg.model.train_cfg.rpn_proposal.max_per_img = 64
    cfg.model.train_cfg.rcnn.sampler.num = 32
    cfg = small_training(cfg, str(tmp_path / 'work'), iters=1, name='fresh_mmdet')
    losses = run_fresh(cfg, str(tmp_path / 'det.py'))
    assert {'loss_rpn_cls', 'loss_cls', 'loss_mask'} <= set(losses)


@pytest.mark.slow  # trains in a fresh interpreter
@pytest.mark.timeout(300)  # 98 s on 2 loaded cores: a fresh interpreter imports mmseg
def test_mmseg_config_with_a_converted_backbone_trains_in_a_fresh_interpreter(
        converted_r50, tmp_path):
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/benchmarks/mmsegmentation/voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'))
    assert 'mec_plugin' in cfg.custom_imports.imports and cfg.default_scope == 'mmseg'
    cfg.model = Config(dict(m=sync_bn_to_bn(cfg.model.to_dict()))).m
    cfg.model.backbone.init_cfg.checkpoint = converted_r50['teacher']
    crop = (64, 64)
    cfg.model.data_preprocessor.size = crop
    root = make_voc_segmentation(str(tmp_path / 'VOC2012'))
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.data_root = root
        for step in ds.pipeline:
            if step['type'] == 'RandomResize':
                step['scale'] = (128, 64)
            elif step['type'] == 'RandomCrop':
                step['crop_size'] = crop
    cfg.train_dataloader.batch_size = 2
    cfg = small_training(cfg, str(tmp_path / 'work'), iters=1, name='fresh_mmseg')
    losses = run_fresh(cfg, str(tmp_path / 'seg.py'))
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)


@pytest.mark.parametrize('scope,registry,name', [
    ('mmpretrain', 'mmpretrain.registry', 'MEC'),           # the plugin's own configs
    ('mmpretrain', 'mmpretrain.registry', 'mmpretrain.MEC'),
    ('mmdet', 'mmdet.registry', 'mmpretrain.MEC'),           # from an mmdet config
    ('mmseg', 'mmseg.registry', 'mmpretrain.MEC'),
    ('mmdet', 'mmdet.registry', 'mec_plugin.MEC'),           # the package root re-export
])
def test_type_names_resolve_with_and_without_a_scope_prefix(scope, registry, name):
    import mec_plugin
    from mmengine.registry import DefaultScope
    models = importlib.import_module(registry).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        cfg = dict(tiny_mec_model(), type=name)
        if scope != 'mmpretrain':
            # MEC builds its parts by their mmpretrain names: mmengine resolves
            # them in the scope the config names with `_scope_`
            cfg['_scope_'] = 'mmpretrain'
        model = models.build(cfg)
        hook_registry = importlib.import_module(registry).HOOKS
        prefix = '' if scope == 'mmpretrain' else 'mmpretrain.'
        hook = hook_registry.build(dict(type=prefix + 'MECLambdaWarmupHook'))
    assert type(model) is mec_plugin.MEC
    assert type(hook) is mec_plugin.MECLambdaWarmupHook


def test_an_unprefixed_plugin_name_does_not_resolve_in_mmdet():
    # not a collision: the name is simply absent from mmdet's registry
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        assert MODELS.get('MEC') is None
        assert MODELS.get('mmpretrain.MEC') is not None


def test_plugin_names_are_its_own_in_every_host_registry():
    """Every name the plugin registers is absent from mmdet's and mmseg's own
    registries (so no host type is shadowed) and importing it again adds or
    replaces nothing."""
    import mec_plugin
    import mmdet.utils
    import mmseg.utils
    from mmdet import registry as det
    from mmengine.utils import import_modules_from_strings
    from mmpretrain import registry as pre
    from mmseg import registry as seg
    mmdet.utils.register_all_modules(init_default_scope=False)
    mmseg.utils.register_all_modules(init_default_scope=False)
    names = {}
    for kind in ('MODELS', 'HOOKS', 'TRANSFORMS', 'DATASETS', 'METRICS', 'LOOPS'):
        reg = getattr(pre, kind)
        names[kind] = {k: v for k, v in reg.module_dict.items()
                       if v.__module__.startswith('mec_plugin.')}
        for host in (det, seg):
            clash = set(names[kind]) & set(getattr(host, kind).module_dict)
            assert not clash, f'{kind}: {clash} shadow {host.__name__} types'
    assert {'MEC', 'MECHead', 'MECProjector'} <= set(names['MODELS'])
    assert {'MECLambdaWarmupHook', 'AtomicCheckpointHook'} <= set(names['HOOKS'])
    assert 'ResumableEpochBasedTrainLoop' in names['LOOPS']
    import_modules_from_strings(['mec_plugin'], allow_failed_imports=False)
    importlib.import_module('mec_plugin')
    for kind, own in names.items():
        reg = getattr(pre, kind)
        assert {k: v for k, v in reg.module_dict.items()
                if v.__module__.startswith('mec_plugin.')} == own
    # every registered class is re-exported from the package root
    for own in names.values():
        for cls in own.values():
            assert getattr(mec_plugin, cls.__name__) is cls, cls.__name__
