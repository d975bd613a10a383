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
    ('configs/_base_/schedules/mocosmall_sgd_coslr_200e.py', 0, False),
    ('configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py', 1, True),
    ('configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py', 1, True),
    ('configs/mec/mec_resnet18-w16_1xb128-5e_cifar10.py', 0.25, True),
    ('configs/mec/mec_resnet18_1xb512-200e_cifar10.py', 10, True),
    ('configs/cmc/cmc_resnet18-w8_1xb128-4e_cifar10.py', 0, True),
    ('configs/cmc/cmc_resnet18-w8_1xb128-5e_cifar10.py', 0, True),
    ('configs/moco_small/mocosmall_resnet18-w16_1xb128-2e_cifar10.py', 0, False),
    ('configs/moco_small/mocosmall_resnet18-w16_1xb128-5e_cifar10.py', 0, False),
    ('configs/moco_small/mocosmall_resnet18_8xb64-800e_in1k.py', 0, False),
    ('configs/benchmarks/classification/cifar10/'
     'resnet18-cifar_1xb4096-linear-lars-coslr-100e_cifar10.py', 0, False),
]


@pytest.mark.parametrize('path,warmup,per_iter', COSINE_CONFIGS, ids=lambda p: str(p))
def test_cosine_ends_at_the_overridden_max_epochs(path, warmup, per_iter, tmp_path):
    cfg = Config.fromfile(os.path.join(ROOT, path))
    shipped = cfg.train_cfg.max_epochs
    epochs = math.ceil(warmup) + 5 if shipped != math.ceil(warmup) + 5 else math.ceil(warmup) + 7
    # a quarter-epoch warm-up needs two iterations: MMEngine's LinearLR reaches the peak at end - 1
    length = 4 if warmup == int(warmup) else 8
    lrs = runner_lrs(cfg, tmp_path, epoch_length=length, max_epochs=epochs, lr=1.0)
    assert len(lrs) == epochs * length
    start = int(warmup * length)  # a fractional warm-up ends where MMEngine rounds it down
    for i in range(start, len(lrs)):
        if per_iter:
            t, span = i - start, epochs * length - start
        else:  # set once an epoch
            t, span = (i - start) // length, epochs - warmup
        expected = (1 + math.cos(math.pi * t / span)) / 2
        assert lrs[i] == pytest.approx(expected, abs=1e-6), (i, lrs[i], expected)
    # and the warm-up, where there is one, rises from ~0 to the peak where the cosine starts
    if warmup:
        assert lrs[0] < 0.01 and lrs[start] == pytest.approx(1.0)
        assert all(a < b for a, b in zip(lrs[:start - 1], lrs[1:start]))


# VISSL's DISSL / CISSL ImageNet schedule: linear warm-up over the first 10
# epochs, then the cosine of the *whole run's* progress (interval_scaling
# [rescaled, fixed]), lr = peak (1 + cos(pi t / T)) / 2, t and T in iterations.
VISSL_CONFIGS = [
    'configs/_base_/schedules/issl_lars_coslr_100e.py',
    'configs/_base_/schedules/issl_lars_coslr_400e.py',
    'configs/_base_/schedules/issl_lars_coslr_800e.py',
]


def vissl_lr(i, total, warmup, peak=3.0, start=0.001):
    """VISSL's CompositeParamScheduler: LinearParamScheduler(start, peak) on the
    warm-up's own progress, CosineParamScheduler(peak, 0) on the run's."""
    where = i / total
    if i < warmup:
        return start + (peak - start) * i / warmup
    return peak * (1 + math.cos(math.pi * where)) / 2


@pytest.mark.parametrize('path', VISSL_CONFIGS)
def test_vissl_cosine_follows_the_whole_run_and_ends_at_the_overridden_max_epochs(path, tmp_path):
    cfg = Config.fromfile(os.path.join(ROOT, path))
    warmup, length, epochs = 10, 4, 17  # not the shipped max_epochs
    lrs = runner_lrs(cfg, tmp_path, epoch_length=length, max_epochs=epochs, lr=3.0)
    total = epochs * length
    assert len(lrs) == total
    w = warmup * length
    for i, lr in enumerate(lrs[w:], start=w):  # after the warm-up: VISSL's value exactly
        assert lr == pytest.approx(vissl_lr(i, total, w), rel=1e-9, abs=1e-12), i
    for i, lr in enumerate(lrs[:w]):
        # MMEngine's LinearLR reaches the peak at step w - 1, VISSL's at w (never
        # reached): lr_i = start + (peak - start) i / (w - 1) against i / w, a
        # relative difference below 1 / (w - 1) (1e-4 at 1251 iterations an epoch)
        assert lr == pytest.approx(0.001 + 2.999 * i / (w - 1), rel=1e-9), i
        assert lr == pytest.approx(vissl_lr(i, total, w), rel=1 / (w - 1))
    assert 'end' not in cfg.param_scheduler[1] and 'T_max' not in cfg.param_scheduler[1]


def test_vissl_100_epoch_lr_pinned_at_chosen_iterations(tmp_path):
    # the shipped 100 epochs, 5 iterations each, at the scaled lr 3.0 (8 x 320)
    cfg = Config.fromfile(os.path.join(ROOT, VISSL_CONFIGS[0]))
    lrs = runner_lrs(cfg, tmp_path, epoch_length=5, lr=3.0)
    assert len(lrs) == 500
    pinned = {0: 0.001,                                    # warm-up start
              25: 0.001 + 2.999 * 25 / 49,                 # VISSL: 25 / 50 (see above)
              49: 3.0,                                     # VISSL: 2.94002
              50: 1.5 * (1 + math.cos(math.pi * 0.1)),     # 2.92658..., not 3.0
              250: 1.5,                                    # half the run: half the peak
              499: 1.5 * (1 + math.cos(math.pi * 0.998))}  # ~3e-5
    for i, value in pinned.items():
        assert lrs[i] == pytest.approx(value, rel=1e-9), (i, lrs[i], value)
    # the stretched cosine this replaces was 3.0 at iteration 50, 1.60 at 250
    assert lrs[50] < 2.93 and lrs[250] < 1.51


def test_whole_run_cosine_refuses_a_period():
    import torch
    from mec_plugin.engine import WholeRunCosineAnnealingLR
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.)
    with pytest.raises(ValueError, match='T_max is not an argument'):
        WholeRunCosineAnnealingLR(opt, T_max=5, end=10)
    with pytest.raises(ValueError, match='needs a finite end'):
        WholeRunCosineAnnealingLR(opt)


def test_a_fractional_warm_up_ends_the_lr_and_the_lambda_warm_ups_together(tmp_path):
    """The 5-epoch CIFAR MEC config warms up for a quarter epoch: MMEngine's LinearLR and
    the 1/lambda hook must both count int(0.25 x iterations per epoch) iterations."""
    from types import SimpleNamespace

    from mmengine.registry import HOOKS

    from mec_plugin.engine.hooks.mec_lambda_warmup_hook import lamda_inv_factor
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb128-5e_cifar10.py'))
    length = 42  # int(0.25 x 42) = 10
    lrs = runner_lrs(cfg, tmp_path, epoch_length=length, max_epochs=1, lr=1.0)
    # LinearLR(end=10) reaches the peak at iteration 9, as 1/lambda reaches 1/lambda
    assert lrs[8] < 0.95 and lrs[9] == pytest.approx(1.0) and lrs[10] == pytest.approx(1.0, 1e-3)
    hook = HOOKS.build(cfg.custom_hooks[0])
    iters = hook._warmup_iters(SimpleNamespace(train_dataloader=[None] * length))
    assert iters == 10
    factors = [lamda_inv_factor(i, iters, hook.start_factor) for i in range(12)]
    assert factors[0] == 8. and factors[8] > 1. and factors[9:] == [1.] * 3


def test_a_warm_up_of_one_iteration_is_refused_by_name():
    """A quarter epoch of a 4-iteration epoch is one iteration: MMEngine's LinearLR would
    then leave the lr at its start factor (1e-8) for the whole run."""
    from types import SimpleNamespace

    from mmengine.registry import HOOKS
    hook = HOOKS.build(dict(type='MECLambdaWarmupHook', warmup_epochs=0.25))
    runner = SimpleNamespace(train_dataloader=[None] * 4, world_size=1)
    with pytest.raises(ValueError, match=r'warmup_epochs=0.25 is 1 iteration\(s\) of this run '
                                         r'\(4 per epoch\)'):
        hook.before_train(runner)
