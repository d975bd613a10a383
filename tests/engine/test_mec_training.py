"""MEC through MMEngine's Runner on tiny generated images: the 1/lambda
warm-up, the Taylor guard, the non-finite-loss stop (as the configs list the hooks,
and as plugin 0.1.0's configs did), and resume giving the uninterrupted losses."""
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
from _tiny import mec_hooks, tiny_mec_model

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
             hooks='split', **head):
    """hooks='split': MEC's hooks as the configs list them; '0.1.0': the warm-up hook alone,
    as plugin 0.1.0's configs list it (it then runs the others itself)."""
    custom_hooks = (mec_hooks(warmup_epochs=warmup_epochs, radius_interval=1) if hooks == 'split'
                    else [dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs,
                               radius_interval=1)])
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
        custom_hooks=custom_hooks,
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


def test_lr_schedule_official_vectors(tmp_path):
    # the headline schedule at the official batch of 1024: lr[0] = 0, 2.0 at the
    # end of the 10-epoch warm-up, cosine to 0 at the last iteration
    from _schedule import runner_lrs
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/mec_r50_8xb64_100e.py'))
    epoch_length, lr = 3, cfg.optim_wrapper.optimizer.lr * 1024 / cfg.auto_scale_lr.base_batch_size
    assert lr == 2.0
    lrs = runner_lrs(cfg, tmp_path, epoch_length=epoch_length, lr=lr)
    assert len(lrs) == cfg.train_cfg.max_epochs * epoch_length
    assert lrs[0] == pytest.approx(0, abs=1e-7)
    assert lrs[10 * epoch_length] == pytest.approx(2.0)
    assert max(lrs) == pytest.approx(2.0)
    assert lrs[-1] == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize('hooks', ['split', '0.1.0'])
def test_training_follows_the_warmup_and_logs_the_radius(image_root, tmp_path, hooks):
    cfg = tiny_cfg(image_root, str(tmp_path), max_epochs=2, warmup_epochs=1, hooks=hooks)
    runner = Runner.from_cfg(cfg)
    runner.train()
    logs = scalars(str(tmp_path))
    iters_per_epoch = 16 // 4
    base = 4 * 64. / 32  # m * eps^2 / d with the tiny d = 32
    expected = [base * lamda_inv_factor(i, iters_per_epoch, 8.) for i in range(8)]
    assert [round(r['lamda_inv'], 4) for r in logs] == pytest.approx(expected, rel=1e-4)
    assert all('taylor_radius' in r for r in logs)
    assert all(np.isfinite(r['loss']) for r in logs)
    # a 0.1.0 config is told, once, which hooks to list; a config that lists them is not
    assert len(log_lines(str(tmp_path), 'lists none of')) == (hooks == '0.1.0')


def test_a_0_1_0_radius_argument_is_checked_when_the_warmup_hook_is_built():
    """The guard's arguments, given to the warm-up hook as in plugin 0.1.0's configs, fail
    with the config, by name (the hook builds the guard it may run at once)."""
    from mec_plugin.registry import HOOKS
    with pytest.raises(ValueError, match=r'radius_interval must be an integer >= 0 \(0 = off\), '
                                         r'got -1'):
        HOOKS.build(dict(type='MECLambdaWarmupHook', radius_interval=-1))


def log_lines(work_dir, phrase):
    lines = []
    for root, _, files in os.walk(work_dir):
        for f in files:
            if f.endswith('.log'):
                with open(os.path.join(root, f)) as fh:
                    lines += [line for line in fh if phrase in line]
    return lines


def guard_warnings(work_dir):
    return log_lines(work_dir, 'Taylor guard')


def test_guard_warns_when_the_series_diverges(image_root, tmp_path):
    # eps^2 = 0.5 makes 1/lambda = 4 * 0.5 / 32 = 1/16: rho(C) >> 1 at once
    cfg = tiny_cfg(image_root, str(tmp_path), max_epochs=1, eps_square=0.5, warmup_epochs=0)
    Runner.from_cfg(cfg).train()
    warnings = guard_warnings(str(tmp_path))
    assert len(warnings) == 4, 'one warning per radius check (every iteration here)'
    assert 'eps_square = 0.5' in warnings[0] and "mode='exact'" in warnings[0]
    assert min(r['taylor_radius'] for r in scalars(str(tmp_path))) >= 1


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.timeout(600)  # 130 s on 2 shared cores
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
    # the final states agree: student, EMA teacher (and its step count), the
    # optimizer's momentum buffers
    final_full = torch.load(os.path.join(full_dir, 'epoch_3.pth'), weights_only=False)
    final_cut = torch.load(os.path.join(cut_dir, 'epoch_3.pth'), weights_only=False)
    for key, value in final_full['state_dict'].items():
        torch.testing.assert_close(final_cut['state_dict'][key], value, rtol=1e-5, atol=1e-6,
                                   msg=key)
    assert int(final_cut['state_dict']['teacher.steps']) == 12
    for a, b in zip(final_full['optimizer']['state'].values(),
                    final_cut['optimizer']['state'].values()):
        torch.testing.assert_close(a['momentum_buffer'], b['momentum_buffer'], rtol=1e-5,
                                   atol=1e-6)
    assert len(resumed) == 8 and len(full) == 12
    for a, b in zip(full[4:], resumed):
        assert a['iter'] == b['iter']
        assert a['lamda_inv'] == pytest.approx(b['lamda_inv'])
        assert a['loss'] == pytest.approx(b['loss'], rel=1e-5, abs=1e-6)


PLAIN_MMPRETRAIN_CONFIG = """
# a user's own mmpretrain config: nothing of the plugin's but the import
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)
model = {model!r}
view = [dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.5, 1.)),
        dict(type='RandomFlip', prob=0.5)]
train_dataloader = dict(
    batch_size=4, num_workers=0, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root={root!r}, data_prefix='train', with_label=False,
                 pipeline=[dict(type='LoadImageFromFile'),
                           dict(type='MultiView', num_views=[1, 1], transforms=[view, view]),
                           dict(type='PackInputs')]))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
custom_hooks = {hooks!r}
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
work_dir = {work!r}
"""


@pytest.mark.slow  # a fresh interpreter
def test_a_plain_mmpretrain_config_with_custom_imports_trains(image_root, tmp_path):
    import subprocess
    import sys
    cfg_file = tmp_path / 'user_mec.py'
    cfg_file.write_text(PLAIN_MMPRETRAIN_CONFIG.format(
        model=tiny_mec_model(), root=image_root, work=str(tmp_path / 'work'),
        hooks=mec_hooks(radius_interval=50, warmup_iters=10)))
    # a fresh interpreter that never imported mec_plugin: the config alone must register it
    code = ('import sys\n'
            'from mmengine.config import Config\n'
            'from mmengine.runner import Runner\n'
            f'cfg = Config.fromfile({str(cfg_file)!r})\n'
            "assert 'mec_plugin' in sys.modules\n"
            'Runner.from_cfg(cfg).train()\n')
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    logs = scalars(str(tmp_path / 'work'))
    assert len(logs) == 1 and np.isfinite(logs[0]['loss'])
    assert logs[0]['lamda_inv'] == pytest.approx(4 * 64. / 32 * 8)  # m eps^2 / d x 8 at iteration 0


@pytest.mark.slow
@pytest.mark.parametrize('hooks', ['split', '0.1.0'])
def test_a_non_finite_loss_stops_training_with_the_likely_causes(image_root, tmp_path, hooks):
    cfg = tiny_cfg(image_root, str(tmp_path), max_epochs=2, hooks=hooks)
    cfg.optim_wrapper.optimizer.lr = 1e30  # blows the weights up within a few steps
    runner = Runner.from_cfg(cfg)
    with pytest.raises(RuntimeError, match='the loss is (nan|inf|-inf)') as err:
        runner.train()
    message = str(err.value)
    assert 'Taylor series diverged' in message and 'learning rate is too high' in message
    assert not os.path.exists(os.path.join(str(tmp_path), 'epoch_2.pth'))
