"""VISSL's beta warm-up of DISSL: the values, and through MMEngine's Runner
on tiny images (it follows runner.iter, so it survives resume)."""
import json
import os

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

import mec_plugin  # noqa: F401
from mec_plugin.engine.hooks import DISSLBetaWarmupHook, dissl_beta

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def test_vissl_values():
    # step counter incremented before use: iteration 0 uses factor 2/1000
    assert dissl_beta(0, 1000, 2.3, 0.6) == pytest.approx(2.3 - 1.7 * 2 / 1000)
    assert dissl_beta(499, 1000, 2.3, 0.6) == pytest.approx(2.3 - 1.7 * 501 / 1000)
    assert dissl_beta(997, 1000, 2.3, 0.6) == pytest.approx(2.3 - 1.7 * 999 / 1000)
    assert dissl_beta(998, 1000, 2.3, 0.6) == pytest.approx(0.6)
    assert dissl_beta(10**6, 1000, 2.3, 0.6) == pytest.approx(0.6)
    assert dissl_beta(0, 0, 2.3, 0.6) == 0.6


@pytest.mark.parametrize('kwargs,name', [(dict(warmup_iters=-1), 'warmup_iters'),
                                         (dict(warmup_iters=2.5), 'warmup_iters'),
                                         (dict(start_beta=-0.1), 'start_beta')])
def test_bad_values_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        DISSLBetaWarmupHook(**kwargs)


def _images(root, per_class=4):
    rng = np.random.default_rng(0)
    for c in range(2):
        d = os.path.join(root, 'train', f'c{c}')
        os.makedirs(d, exist_ok=True)
        for i in range(per_class):
            img = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
            img[..., c] = 220
            Image.fromarray(img).save(os.path.join(d, f'{i}.png'))
    return root


def _cfg(root, work_dir, epochs):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/dissl/dissl_resnet18-w16_1xb128-2e_cifar10.py'))
    cfg.merge_from_dict(dict(
        work_dir=work_dir,
        model=dict(backbone=dict(stem_channels=8, base_channels=8),
                   head=dict(beta=0.6,
                             teacher=dict(in_channels=64, hid_channels=[16], bottleneck_channels=8,
                                          out_channels=16),
                             student=dict(in_channels=64, bottleneck_channels=8, out_channels=16))),
        train_dataloader=dict(batch_size=4, num_workers=0, persistent_workers=False,
                              dataset=dict(_delete_=True, type='CustomDataset', data_root=root,
                                           data_prefix='train', with_label=False,
                                           pipeline=cfg.train_dataloader.dataset.dataset.pipeline)),
        train_cfg=dict(max_epochs=epochs),
        param_scheduler=[],
        custom_hooks=[dict(type='DISSLBetaWarmupHook', warmup_iters=5, start_beta=2.3)],
        default_hooks=dict(logger=dict(interval=1), checkpoint=dict(interval=1)),
        randomness=dict(seed=0),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING'))
    return cfg


def _logged_betas(work_dir):
    rows = []
    for dirpath, _, files in os.walk(work_dir):
        for f in files:
            if f.endswith('.json') and f != 'scalars.json':
                with open(os.path.join(dirpath, f)) as fh:
                    rows += [json.loads(line) for line in fh if '"beta"' in line]
    return sorted((r['iter'], r['beta']) for r in rows)


@pytest.mark.slow
def test_runner_sets_beta_per_iteration_and_resume_continues(tmp_path):
    root = _images(str(tmp_path / 'imgs'))
    work_dir = str(tmp_path / 'work')
    Runner.from_cfg(_cfg(root, work_dir, epochs=1)).train()  # iterations 0, 1
    cfg = _cfg(root, work_dir, epochs=2)
    cfg.resume = True
    Runner.from_cfg(cfg).train()  # iterations 2, 3 after resume
    betas = dict(_logged_betas(work_dir))
    expected = {i + 1: dissl_beta(i, 5, 2.3, 0.6) for i in range(4)}  # the log counts from 1
    assert set(betas) == set(expected)
    for it, value in expected.items():
        assert betas[it] == pytest.approx(value, abs=1e-4), it
