"""The shipped small-model MoCo configs carry the official values (docs/methods/moco_small.md)."""
import glob
import os

import numpy as np
import pytest
from mmengine.config import Config

import mec_plugin  # noqa: F401
from mec_plugin.registry import TRANSFORMS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
ARCHS = ['resnet18', 'mobilenetv3-small', 'mobilenetv3-large', 'efficientnet-b0', 'deit-tiny']


def load(name):
    return Config.fromfile(os.path.join(ROOT, 'configs', 'moco_small', name))


@pytest.mark.parametrize('arch', ARCHS)
def test_imagenet_configs_are_the_official_recipe(arch):
    cfg = load(f'mocosmall_{arch}_8xb64-200e_in1k.py')
    m = cfg.model
    assert m.type == 'MoCoSmall' and (m.queue_len, m.feat_dim, m.momentum) == (65536, 128, 0.001)
    assert m.neck.mlp == 'wide' and m.neck.out_channels == 128 and m.head.temperature == 0.1
    assert cfg.train_dataloader.batch_size * 8 == 512 and cfg.train_dataloader.drop_last
    opt = cfg.optim_wrapper
    assert opt.type == 'AmpOptimWrapper'
    assert (opt.optimizer.type, opt.optimizer.lr, opt.optimizer.momentum,
            opt.optimizer.weight_decay) == ('SGD', 0.06, 0.9, 1e-4)
    sched = cfg.param_scheduler
    assert sched.type == 'CosineAnnealingLR' and sched.by_epoch and sched.begin == 0
    # no end: MMEngine ends it at max_epochs (tests/test_schedules.py)
    assert 'end' not in sched and cfg.train_cfg.max_epochs == 200 and sched.eta_min == 0.
    assert not sched.get('convert_to_iter_based', False)  # per epoch, as the official --cos
    assert cfg.auto_scale_lr.enable is False
    long = load(f'mocosmall_{arch}_8xb64-800e_in1k.py')
    assert long.train_cfg.max_epochs == 800 and long.param_scheduler == cfg.param_scheduler
    assert long.model == cfg.model and long.optim_wrapper == cfg.optim_wrapper


def test_imagenet_pipeline_is_the_strengthened_one():
    cfg = load('mocosmall_resnet18_8xb64-200e_in1k.py')
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert views.type == 'MultiView' and views.num_views == 2 and len(views.transforms) == 1
    steps = {s['type']: s for s in views.transforms[0]}
    assert [s['type'] for s in views.transforms[0]] == [
        'RandomResizedCrop', 'RandomApply', 'RandomGrayscale', 'GaussianBlur', 'RandomFlip']
    assert steps['RandomResizedCrop']['scale'] == 224
    assert steps['RandomResizedCrop']['crop_ratio_range'] == (0.2, 1.)
    jitter = steps['RandomApply']['transforms'][0]
    assert (jitter['brightness'], jitter['contrast'], jitter['saturation'], jitter['hue'],
            steps['RandomApply']['prob']) == (0.8, 0.8, 0.8, 0.4, 0.8)
    assert steps['RandomGrayscale']['prob'] == 0.5
    assert steps['GaussianBlur']['magnitude_range'] == (0.1, 2.0)
    assert steps['GaussianBlur']['magnitude_std'] == 'inf' and steps['GaussianBlur']['prob'] == 0.5
    assert steps['RandomFlip']['prob'] == 0.5


def test_backbone_specific_settings():
    deit = load('mocosmall_deit-tiny_8xb64-200e_in1k.py').model
    assert deit.backbone.arch == 'deit-tiny' and deit.frozen_modules == ['backbone.patch_embed']
    assert deit.backbone.drop_rate == 0.1 and deit.backbone.qkv_bias is False
    small = load('mocosmall_mobilenetv3-small_8xb64-200e_in1k.py').model
    assert (small.neck.in_channels, small.neck.feat_channels, small.neck.feat_dropout) == (
        576, 1024, 0.2)
    large = load('mocosmall_mobilenetv3-large_8xb64-200e_in1k.py').model
    assert (large.neck.in_channels, large.neck.feat_channels) == (960, 1280)
    effnet = load('mocosmall_efficientnet-b0_8xb64-200e_in1k.py').model
    assert effnet.backbone.arch == 'b0' and effnet.neck.pre_dropout == 0.2


@pytest.mark.parametrize('name', ['mocosmall_resnet18-cifar_1xb512-200e_cifar10.py',
                                  'mocosmall_resnet18-w16_1xb128-2e_cifar10.py'])
def test_cifar_configs_queue_fits_the_batch_and_pipeline_makes_two_32px_views(name):
    cfg = load(name)
    assert cfg.model.queue_len % cfg.train_dataloader.batch_size == 0
    assert cfg.model.backbone.type == 'ResNet_CIFAR'
    # one process: shuffle-BN needs BN split into groups, each a whole number of samples
    norm = cfg.model.backbone.norm_cfg
    assert norm.type == 'SplitBN' and cfg.train_dataloader.batch_size % norm.num_splits == 0
    dataset = cfg.train_dataloader.dataset
    steps = (dataset.dataset if dataset.type == 'SpreadSubset' else dataset).pipeline
    results = dict(img=np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8))
    for step in steps[1:]:
        results = TRANSFORMS.build(step)(results)
    assert len(results['inputs']) == 2 and all(v.shape == (3, 32, 32) for v in results['inputs'])


def test_every_moco_small_config_is_covered():
    names = {os.path.basename(p) for p in glob.glob(os.path.join(ROOT, 'configs/moco_small/*.py'))}
    assert names == ({f'mocosmall_{a}_8xb64-{e}e_in1k.py' for a in ARCHS for e in (200, 800)}
                     | {'mocosmall_resnet18-cifar_1xb512-200e_cifar10.py',
                        'mocosmall_resnet18-w16_1xb128-2e_cifar10.py',
                        # these two are trained on tiny data in tests/engine/test_fast_cpu_training.py
                        'mocosmall_resnet18-w16_1xb128-5e_cifar10.py',
                        'mocosmall_resnet18-w16_1xb256-10e_fashion-mnist.py'})


def test_the_short_budget_cifar_config_makes_two_moco_v2_views_with_two_bn_groups():
    """5 epochs at batch 128: the MoCo v2 colour jitter (not the paper's stronger one) for
    both views, and SplitBN groups of 64 images, as on each of the official 8 GPUs."""
    cfg = load('mocosmall_resnet18-w16_1xb128-5e_cifar10.py')
    views = cfg.data_preprocessor.views
    assert len(views) == 2 and views[0] == views[1]
    jitter = next(t for t in views[0] if t.type == 'RandomApply').transforms[0]
    assert (jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue) == (
        0.4, 0.4, 0.4, 0.1)
    assert next(t for t in views[0] if t.type == 'RandomGrayscale').prob == 0.2
    norm, batch = cfg.model.backbone.norm_cfg, cfg.train_dataloader.batch_size
    assert norm.type == 'SplitBN' and batch // norm.num_splits == 64
    assert cfg.model.queue_len % batch == 0 and cfg.train_cfg.max_epochs == 5
