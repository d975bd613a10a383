"""Overriding ``train_cfg.max_epochs`` stretches every cosine schedule with it.

The cosines set no ``end`` / ``T_max``: MMEngine's Runner ends a scheduler
without ``end`` at ``max_epochs``, so one override changes both. Checked by
running the Runner (tests/_schedule.py) at a max_epochs other than the
config's and comparing every iteration's lr with the cosine formula.
"""
import math
import os

import pytest
from mmengine.config import Config

import mec_plugin  # noqa: F401
from _schedule import runner_lrs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

# (config, its warm-up epochs, whether the cosine is per iteration)
COSINE_CONFIGS = [
    ('configs/_base_/schedules/mec_sgd_coslr_100e.py', 10, True),
    ('configs/_base_/schedules/mec_sgd_coslr_4e_quick.py', 1, True),
    ('configs/_base_/schedules/issl_adam_coslr_200e.py', 10, True),
    ('configs/_base_/schedules/issl_adam_coslr_2e_quick.py', 1, True),
    ('configs/_base_/schedules/issl_lars_coslr_100e.py', 10, True),
    ('configs/_base_/schedules/issl_lars_coslr_400e.py', 10, True),
    ('configs/_base_/schedules/issl_lars_coslr_800e.py', 10, True),
    ('configs/_base_/schedules/mocosmall_sgd_coslr_200e.py', 0, False),
    ('configs/mec/mec_resnet18-w16_1xb256-4e_fashion-mnist.py', 1, True),
    ('configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py', 1, True),
    ('configs/mec/mec_resnet18_1xb512-200e_cifar10.py', 10, True),
    ('configs/cmc/cmc_resnet18-w8_1xb128-4e_cifar10.py', 0, True),
    ('configs/moco_small/mocosmall_resnet18-w16_1xb128-2e_cifar10.py', 0, False),
    ('configs/moco_small/mocosmall_resnet18_8xb64-800e_in1k.py', 0, False),
    ('configs/benchmarks/classification/cifar10/'
     'resnet18-cifar_1xb4096-linear-lars-coslr-100e_cifar10.py', 0, False),
]


@pytest.mark.parametrize('path,warmup,per_iter', COSINE_CONFIGS, ids=lambda p: str(p))
def test_cosine_ends_at_the_overridden_max_epochs(path, warmup, per_iter, tmp_path):
    cfg = Config.fromfile(os.path.join(ROOT, path))
    shipped = cfg.train_cfg.max_epochs
    epochs = warmup + 5 if shipped != warmup + 5 else warmup + 7
    length = 4
    lrs = runner_lrs(cfg, tmp_path, epoch_length=length, max_epochs=epochs, lr=1.0)
    assert len(lrs) == epochs * length
    start = warmup * length
    for i in range(start, len(lrs)):
        if per_iter:
            t, span = i - start, (epochs - warmup) * length
        else:  # set once an epoch
            t, span = (i - start) // length, epochs - warmup
        expected = (1 + math.cos(math.pi * t / span)) / 2
        assert lrs[i] == pytest.approx(expected, abs=1e-6), (i, lrs[i], expected)
    # and the warm-up, where there is one, rises from ~0 to the peak where the cosine starts
    if warmup:
        assert lrs[0] < 0.01 and lrs[start] == pytest.approx(1.0)
        assert all(a < b for a, b in zip(lrs[:start - 1], lrs[1:start]))
