"""The shipped MEC configs: official values, and every one builds."""
import glob
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmpretrain.utils import register_all_modules

import mec_plugin  # noqa: F401
from mec_plugin.registry import HOOKS, MODELS, TRANSFORMS

register_all_modules(init_default_scope=True)  # transforms resolve in mmpretrain's scope
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
MEC_CONFIGS = sorted(glob.glob(os.path.join(ROOT, 'configs', 'mec*.py')) +
                     glob.glob(os.path.join(ROOT, 'configs', 'mec', '*.py')))


def without_syncbn(cfg, bn='BN'):
    """SyncBN needs a process group; the Runner reverts it, tests do it here
    (BatchNorm2d in the backbone, BatchNorm1d in the necks and the head)."""
    if isinstance(cfg, dict):
        return {k: (dict(v, type=bn) if k == 'norm_cfg' and v.get('type') == 'SyncBN' else
                    without_syncbn(v, 'BN' if k == 'backbone' else 'BN1d' if k in ('neck', 'head')
                                   else bn))
                for k, v in cfg.items()}
    if isinstance(cfg, list):
        return [without_syncbn(v, bn) for v in cfg]
    return cfg


def load(name):
    return Config.fromfile(os.path.join(ROOT, 'configs', name))


def test_headline_config_is_the_official_recipe():
    cfg = load('mec_r50_8xb64_100e.py')
    assert cfg.custom_imports == dict(imports=['mec_plugin'], allow_failed_imports=False)
    assert cfg.default_scope == 'mmpretrain'
    model = cfg.model
    assert model.type == 'MEC' and (model.base_momentum, model.end_momentum) == (0.004, 0.)
    assert model.backbone.depth == 50 and model.backbone.zero_init_residual
    assert model.backbone.norm_cfg.type == 'SyncBN'
    assert (model.neck.hid_channels, model.neck.out_channels) == (2048, 2048)
    assert model.head.predictor.hid_channels == 512
    assert (model.head.eps_square, model.head.taylor_order) == (64., 4)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.momentum, opt.weight_decay) == ('SGD', 0.9, 1e-5)
    # lr = 0.5 x total batch / 256, applied by the Runner's auto_scale_lr
    assert cfg.auto_scale_lr == dict(base_batch_size=256, enable=True) and opt.lr == 0.5
    assert cfg.train_dataloader.batch_size == 64 and cfg.train_dataloader.drop_last
    assert cfg.train_cfg.max_epochs == 100
    warm, cos = cfg.param_scheduler
    assert (warm.type, warm.end, cos.type, cos.begin) == ('LinearLR', 10, 'CosineAnnealingLR', 10)
    # the cosine ends wherever train_cfg.max_epochs does (tests/test_schedules.py)
    assert 'end' not in cos and 'T_max' not in cos
    hook = [h for h in cfg.custom_hooks if h.type == 'MECLambdaWarmupHook'][0]
    assert (hook.warmup_epochs, hook.start_factor) == (10, 8.)
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert views.type == 'MultiView' and views.num_views == [1, 1]
    v1, v2 = views.transforms
    prob = lambda view, t: [s for s in view if s['type'] == t][0]['prob']  # noqa: E731
    assert (prob(v1, 'GaussianBlur'), prob(v2, 'GaussianBlur')) == (1.0, 0.1)
    assert (prob(v1, 'Solarize'), prob(v2, 'Solarize')) == (0.0, 0.2)
    assert v1[0]['crop_ratio_range'] == (0.2, 1.) and v1[0]['interpolation'] == 'bilinear'
    jitter = v1[1]['transforms'][0]
    assert (jitter['brightness'], jitter['contrast'], jitter['saturation'], jitter['hue']) == (
        0.4, 0.4, 0.2, 0.1)
    assert [s['type'] for s in v2] == ['RandomResizedCrop', 'RandomApply', 'RandomGrayscale',
                                       'GaussianBlur', 'Solarize', 'RandomFlip']


def test_official_batch_variant():
    cfg = load('mec/mec_r50_8xb128_100e_in1k.py')
    assert cfg.train_dataloader.batch_size == 128
    assert cfg.model.head.eps_square == 64.


MEC_HOOKS = ['MECLambdaWarmupHook', 'MECTaylorGuardHook', 'MECStopOnNonFiniteLossHook',
             'MECCompileCheckHook']


@pytest.mark.parametrize('path', MEC_CONFIGS, ids=lambda p: os.path.relpath(p, ROOT))
def test_every_mec_config_lists_the_mec_hooks(path):
    """The warm-up and the three jobs split out of it (guard, non-finite stop, compile
    check), each built; the warm-up first, where the sweeps' ``custom_hooks.0.*`` options
    find it, and with no 0.1.0 radius arguments (they belong to the guard now)."""
    cfg = Config.fromfile(path)
    assert [h.type for h in cfg.custom_hooks if h.type.startswith('MEC')] == MEC_HOOKS
    assert cfg.custom_hooks[0].keys() <= {'type', 'warmup_epochs', 'warmup_iters', 'start_factor'}
    for hook in cfg.custom_hooks:
        HOOKS.build(hook)


@pytest.mark.parametrize('path', MEC_CONFIGS, ids=lambda p: os.path.relpath(p, ROOT))
@pytest.mark.slow  # every config's model, ResNet-50s included (5-18 s each)
def test_every_mec_config_builds_a_model_that_computes_a_loss(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(without_syncbn(cfg.model.to_dict()))
    model.init_weights()
    MessageHub.get_current_instance().update_info('max_iters', 10)
    channels = cfg.model.backbone.get('in_channels', 3)
    size = 64 if cfg.model.backbone.type == 'ResNet' else 32
    views = [torch.rand(4, channels, size, size) for _ in range(2)]
    out = model.loss(views, None)
    assert torch.isfinite(out['loss']) and out['loss'].ndim == 0


@pytest.mark.parametrize('name,shape', [('mec/mec_resnet18_1xb512-200e_cifar10.py', (3, 32, 32)),
                                        ('mec/mec_resnet18-w16_1xb256-4e_cifar10.py', (3, 32, 32)),
                                        ('mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py',
                                         (1, 28, 28))])
def test_small_dataset_pipelines_make_two_views(name, shape):
    cfg = load(name)
    rng = np.random.default_rng(0)
    if cfg.data_preprocessor.type == 'BatchAugmentPreprocessor':  # in-memory uint8 batches
        pre = MODELS.build(cfg.data_preprocessor)
        batch = torch.from_numpy(rng.integers(0, 256, (4, ) + shape, np.uint8))
        views = pre(dict(inputs=batch), training=True)['inputs']
        assert len(views) == 2 and all(tuple(v.shape) == (4, ) + shape for v in views)
        return
    dataset = cfg.train_dataloader.dataset
    steps = (dataset.dataset if dataset.type == 'SpreadSubset' else dataset).pipeline
    steps = [s for s in steps if s['type'] not in ('LoadImageFromFile', 'LoadImageFromFileChecked')]
    img = rng.integers(0, 256, (shape[1], shape[2], 3) if shape[0] == 3 else shape[1:], np.uint8)
    results = dict(img=img)
    for step in steps:
        results = TRANSFORMS.build(step)(results)
    views = results['inputs']
    assert len(views) == 2 and all(tuple(v.shape) == shape for v in views)


def test_package_namespaces_are_not_shadowed():
    # `from .models import *` once rebound mec_plugin.utils to mec_plugin.models.utils
    import mec_plugin.utils
    import mec_plugin.utils.checkpoint
    assert mec_plugin.utils.__name__ == 'mec_plugin.utils'
    assert callable(mec_plugin.utils.all_gather_with_grad)
    assert mec_plugin.MEC.__name__ == 'MEC' and callable(mec_plugin.mec_loss)
