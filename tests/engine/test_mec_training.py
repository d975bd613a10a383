"""MEC through MMEngine's Runner on tiny generated images: the 1/lambda
warm-up, the Taylor guard, and resume giving the uninterrupted losses."""
import copy
import json
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from PIL import Image

import mec_plugin  # noqa: F401
from mec_plugin.engine.hooks import lamda_inv_factor
from _tiny import tiny_mec_model

HERE = os.path.dirname(__file__)
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))


def make_image_folder(root, classes=2, per_class=8, size=32, seed=0):
    rng = np.random.default_rng(seed)
    for split in ('train', 'test'):
        for c in range(classes):
            d = os.path.join(root, split, f'class{c}')
            os.makedirs(d, exist_ok=True)
            for i in range(per_class):
                base = np.zeros((size, size, 3), np.uint8)
                base[..., c % 3] = 200  # class colour + noise
                img = np.clip(base + rng.integers(0, 55, (size, size, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(img).save(os.path.join(d, f'{i:04d}.jpg'))
    return root


@pytest.fixture(scope='module')
def image_root(tmp_path_factory):
    return make_image_folder(str(tmp_path_factory.mktemp('imgs')))


def tiny_cfg(image_root, work_dir, max_epochs=2, eps_square=64., warmup_epochs=1, num_workers=0,
             **head):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/datasets/cifar10_mec.py'))
    cfg.merge_from_dict(dict(
        model=tiny_mec_model(eps_square=eps_square, **head),
        work_dir=work_dir,
        default_scope='mmpretrain',
        train_dataloader=dict(batch_size=4, num_workers=num_workers, persistent_workers=False,
                              dataset=dict(data_root=image_root)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-5)),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=max_epochs),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs,
                           radius_interval=1)],
        randomness=dict(seed=0, deterministic=True),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING',
    ))
    return cfg


def scalars(work_dir):
    """Per-iteration values from the json log of the last run."""
    logs = []
    for root, _, files in os.walk(work_dir):
        for f in files:
            if f.endswith('.json') and f != 'scalars.json':
                logs.append(os.path.join(root, f))
    with open(sorted(logs)[-1]) as f:
        return [json.loads(line) for line in f if '"loss"' in line]


def test_lambda_warmup_factor_official_vectors():
    # lambda^-1 = 256 at iteration 0 and 32 from 10 * iters_per_epoch - 1 on (m=1024)
    warmup = 10 * 1251
    assert 32 * lamda_inv_factor(0, warmup, 8.) == 256
    assert 32 * lamda_inv_factor(warmup - 1, warmup, 8.) == 32
    assert 32 * lamda_inv_factor(warmup + 500, warmup, 8.) == 32
    assert 32 * lamda_inv_factor(warmup // 2, warmup, 8.) == pytest.approx(
        np.linspace(256, 32, warmup)[warmup // 2])


def test_training_follows_the_warmup_and_logs_the_radius(image_root, tmp_path):
    cfg = tiny_cfg(image_root, str(tmp_path), max_epochs=2, warmup_epochs=1)
    runner = Runner.from_cfg(cfg)
    runner.train()
    logs = scalars(str(tmp_path))
    iters_per_epoch = 16 // 4
    base = 4 * 64. / 32  # m * eps^2 / d with the tiny d = 32
    expected = [base * lamda_inv_factor(i, iters_per_epoch, 8.) for i in range(8)]
    assert [round(r['lamda_inv'], 4) for r in logs] == pytest.approx(expected, rel=1e-4)
    assert all('taylor_radius' in r for r in logs)
    assert all(np.isfinite(r['loss']) for r in logs)


def guard_warnings(work_dir):
    lines = []
    for root, _, files in os.walk(work_dir):
        for f in files:
            if f.endswith('.log'):
                with open(os.path.join(root, f)) as fh:
                    lines += [line for line in fh if 'Taylor guard' in line]
    return lines


def test_guard_warns_when_the_series_diverges(image_root, tmp_path):
    # eps^2 = 0.5 makes 1/lambda = 4 * 0.5 / 32 = 1/16: rho(C) >> 1 at once
    cfg = tiny_cfg(image_root, str(tmp_path), max_epochs=1, eps_square=0.5, warmup_epochs=0)
    Runner.from_cfg(cfg).train()
    warnings = guard_warnings(str(tmp_path))
    assert len(warnings) == 4, 'one warning per radius check (every iteration here)'
    assert 'eps_square = 0.5' in warnings[0] and "mode='exact'" in warnings[0]
    assert min(r['taylor_radius'] for r in scalars(str(tmp_path))) >= 1


def test_quiet_guard_on_a_safe_setting(image_root, tmp_path):
    cfg = tiny_cfg(image_root, str(tmp_path), max_epochs=1, eps_square=4096.)
    Runner.from_cfg(cfg).train()
    assert not guard_warnings(str(tmp_path))
    assert max(r['taylor_radius'] for r in scalars(str(tmp_path))) < 1


class _Preempted(Exception):
    pass


class _PreemptAfterEpoch(Hook):
    """Dies after the checkpoint of the given epoch, like a preempted job."""

    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.epoch:  # runner.epoch counts from 0 here
            raise _Preempted


def test_resume_continues_with_the_uninterrupted_losses(image_root, tmp_path):
    # one non-persistent worker: MMEngine re-seeds it every epoch, so the
    # augmentations of an epoch do not depend on what ran before it
    full_dir, cut_dir = str(tmp_path / 'full'), str(tmp_path / 'cut')
    Runner.from_cfg(tiny_cfg(image_root, full_dir, max_epochs=3, num_workers=1)).train()
    full = scalars(full_dir)

    runner = Runner.from_cfg(tiny_cfg(image_root, cut_dir, max_epochs=3, num_workers=1))
    runner.register_hook(_PreemptAfterEpoch(1), priority='LOWEST')  # after CheckpointHook
    with pytest.raises(_Preempted):
        runner.train()
    cfg = tiny_cfg(image_root, cut_dir, max_epochs=3, num_workers=1)
    cfg.resume = True  # finds epoch_1.pth through work_dir/last_checkpoint
    Runner.from_cfg(cfg).train()
    resumed = scalars(cut_dir)
    assert len(resumed) == 8 and len(full) == 12
    for a, b in zip(full[4:], resumed):
        assert a['iter'] == b['iter']
        assert a['lamda_inv'] == pytest.approx(b['lamda_inv'])
        assert a['loss'] == pytest.approx(b['loss'], rel=1e-5, abs=1e-6)
