"""The recipe sweep: variants compose from their configs (data taken from another config,
options checked against existing keys), run side by side, stop at a deadline, and
report their online k-NN beside the pixel and random-init rows."""
import glob
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest
from mmengine.config import Config

from _eval_data import write_idx

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
import recipe_sweep  # noqa: E402

SIMCLR = 'configs/baselines/simclr_resnet18-w16_1xb256-4e_cifar10.py'
SHIPPED = os.path.join(ROOT, 'benchmarks', 'sweeps', 'fashion_mnist_mec.json')


def _fashion_mnist(root, n=64):
    """Tiny IDX files: ten classes, each a brightness level, so the k-NN has something to find."""
    rng = np.random.default_rng(0)
    os.makedirs(root, exist_ok=True)
    for split in ('train', 't10k'):
        labels = np.arange(n) % 10
        images = np.clip(labels[:, None, None] * 25 + rng.integers(-20, 20, (n, 28, 28)), 0, 255)
        write_idx(os.path.join(root, f'{split}-images-idx3-ubyte'), images)
        write_idx(os.path.join(root, f'{split}-labels-idx1-ubyte'), labels)
    return root


def _args(**kw):
    base = dict(config=recipe_sweep.DEFAULT_CONFIG, train_limit=None, data_root=None,
                knn_train_limit=None, log_interval=50, seed=0)
    return types.SimpleNamespace(**dict(base, **kw))


@pytest.mark.parametrize('text, message', [
    ('[]', 'non-empty JSON list'),
    ('[{"options": {}}]', "needs a 'name'"),
    ('[{"name": "a", "option": {}}]', "needs a 'name'"),
    ('[{"name": "a"}, {"name": "a"}]', "'a' is used twice"),
])
def test_bad_sweep_files_are_named(tmp_path, text, message):
    path = tmp_path / 'sweep.json'
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        recipe_sweep.load_sweep(str(path))


def _option(cfg, key: str):
    """The value of a dotted --cfg-options key in a config."""
    for part in key.split('.'):
        cfg = cfg[int(part)] if isinstance(cfg, (list, tuple)) else cfg[part]
    return cfg


def test_the_shipped_sweep_composes(tmp_path):
    """Every variant of the shipped sweep names existing keys and takes the base's data."""
    base = Config.fromfile(os.path.join(ROOT, recipe_sweep.DEFAULT_CONFIG))
    for v in recipe_sweep.load_sweep(SHIPPED):
        info = recipe_sweep.variant_config(v, _args(), str(tmp_path / v['name']))
        cfg = Config.fromfile(info['path'])
        assert cfg.data_preprocessor == base.data_preprocessor
        assert cfg.model.backbone.in_channels == 1
        assert cfg.custom_hooks[-1]['type'] == 'KNNMonitorHook'
        for key, value in v.get('options', {}).items():
            assert _option(cfg, key) == value
    simclr = Config.fromfile(str(tmp_path / 'SimCLR' / 'config.py'))
    assert simclr.model.type == 'SimCLR' and simclr.train_cfg.max_epochs == 10


CIFAR_SWEEPS = ['cifar10_mec_simclr.json', 'cifar10_batch.json',
                'cifar10_short_recipes.json', 'cifar10_short_recipes_views.json',
                'cifar10_mec_5e.json', 'cifar10_simsiam_cmc.json',
                'cifar10_byol_without_ema.json', 'cifar10_cmc_batch.json',
                'cifar10_mec_5e_warmup.json', 'cifar10_mec_5e_wd.json',
                'cifar10_mec_5e_decay.json', 'cifar10_issl_5e_warmup.json',
                'cifar10_cmc_batch_5e.json', 'cifar10_mec_5e_crop.json',
                'cifar10_mocosmall_5e_wd.json', 'cifar10_dissl_5e_adamw.json',
                'cifar10_mec_5e_views.json', 'cifar10_mec_5e_seed.json',
                'cifar10_simclr_5e.json', 'cifar10_barlowtwins_5e.json']


@pytest.mark.parametrize('name', CIFAR_SWEEPS)
def test_the_cifar_sweeps_compose(tmp_path, name):
    """The CIFAR-10 sweeps' variants exist on their CIFAR configs and set what they say."""
    args = _args(config='configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py')
    for v in recipe_sweep.load_sweep(os.path.join(ROOT, 'benchmarks', 'sweeps', name)):
        info = recipe_sweep.variant_config(v, args, str(tmp_path / v['name']))
        cfg = Config.fromfile(info['path'])
        assert cfg.model.backbone.get('in_channels', 3) == 3  # ResNet_CIFAR's default
        for key, value in v.get('options', {}).items():
            assert _option(cfg, key) == value
        source = Config.fromfile(os.path.join(ROOT, v.get('config', args.config)))
        batch = v['options'].get('train_dataloader.batch_size',
                                 source.train_dataloader.batch_size)
        assert info['batch'] == batch


FASHION_MNIST_SWEEPS = ['fashion_mnist_mocosmall.json', 'fashion_mnist_dissl_wd.json',
                        'fashion_mnist_mocosmall_wd.json',
                        'fashion_mnist_dissl_clusters.json',
                        'fashion_mnist_cissl_wd.json']


@pytest.mark.parametrize('name', FASHION_MNIST_SWEEPS)
def test_the_fashion_mnist_comparator_sweeps_compose(tmp_path, name):
    """Each variant runs on its Fashion-MNIST config (one channel, batch 256) and changes the
    keys it names."""
    path = os.path.join(ROOT, 'benchmarks', 'sweeps', name)
    for v in recipe_sweep.load_sweep(path):
        info = recipe_sweep.variant_config(v, _args(config=v['config']), str(tmp_path / v['name']))
        cfg = Config.fromfile(info['path'])
        source = Config.fromfile(os.path.join(ROOT, v['config']))
        assert cfg.model.backbone.in_channels == 1 and info['batch'] == 256
        for key, value in v['options'].items():
            assert _option(cfg, key) == value != _option(source, key)


def test_byol_without_ema_is_byols_config_with_simsiams_stop_gradient_target():
    byol = Config.fromfile(
        os.path.join(ROOT, 'configs/baselines/byol_resnet18-w16_1xb256-4e_cifar10.py'))
    plain = Config.fromfile(
        os.path.join(ROOT, 'benchmarks/sweeps/configs/byol_without_ema_cifar10.py'))
    assert (byol.model.type, plain.model.type) == ('BYOL', 'SimSiam')
    assert 'base_momentum' not in plain.model
    for key in ('backbone', 'neck', 'head'):
        assert plain.model[key] == byol.model[key]
    for key in ('optim_wrapper', 'param_scheduler', 'train_dataloader', 'auto_scale_lr',
                'train_cfg'):
        assert plain[key] == byol[key]


def test_an_option_that_is_not_in_the_config_is_refused(tmp_path):
    v = dict(name='typo', options={'model.head.eps_sqare': 16.})
    with pytest.raises(ValueError, match="'eps_sqare' not found"):
        recipe_sweep.variant_config(v, _args(), str(tmp_path / 'typo'))


def _sweep(tmp_path, variants, *extra):
    data = tmp_path / 'fmnist'
    if not data.is_dir():
        _fashion_mnist(str(data), n=256)
    (tmp_path / 'sweep.json').write_text(json.dumps(variants))
    # train on 64 images; the k-NN memory of 256 leaves room for k = 200
    cmd = [sys.executable, 'benchmarks/recipe_sweep.py', str(tmp_path / 'sweep.json'),
           '--data-root', str(data), '--train-limit', '64', '--knn-train-limit', '256',
           '--work-dir',
           str(tmp_path / 'work'), '--out', str(tmp_path / 'rows.json'),
           '--markdown', str(tmp_path / 'table.md')] + list(extra)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


SMALL = {'train_cfg.max_epochs': 2, 'train_dataloader.batch_size': 16}


@pytest.mark.slow  # runs benchmarks/recipe_sweep.py (trainings) in a fresh interpreter
def test_two_variants_side_by_side_with_the_baselines(tmp_path):
    variants = [dict(name='MEC eps2 16', options=dict(SMALL, **{'model.head.eps_square': 16.})),
                dict(name='SimCLR', config=SIMCLR, data_from='base', options=SMALL)]
    proc = _sweep(tmp_path, variants, '--jobs', '2')
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = json.loads((tmp_path / 'rows.json').read_text())
    rows = {r['variant']: r for r in out['rows']}
    # the trained rows in the order they finished, then the baselines
    assert set(list(rows)[:2]) == {'MEC eps2 16', 'SimCLR'}
    assert list(rows)[2:] == ['raw pixels', 'centred pixels', 'random init']
    for name in ('MEC eps2 16', 'SimCLR'):
        r = rows[name]
        assert r['finished'] and r['state'] == 'done' and r['returncode'] == 0
        assert r['epochs'] == 2
        # 64 images, batch 16: 64 a epoch whether or not the last batch is dropped
        assert [p['images_seen'] for p in r['curve']] == [64, 128] and r['images_seen'] == 128
        assert r['knn_top1_k20'] == r['curve'][-1]['k20'] and 0 <= r['knn_top1_k200'] <= 100
    mec_cfg = Config.fromfile(str(tmp_path / 'work' / 'MEC_eps2_16' / 'config.py'))
    assert mec_cfg.model.head.eps_square == 16.
    knn = json.loads((tmp_path / 'work' / 'baselines' / 'raw_pixels.json').read_text())
    assert rows['raw pixels']['knn_top1_k20'] == knn['weighted_knn']['k=20,T=0.07']
    table = (tmp_path / 'table.md').read_text()
    assert table.count('\n') == 2 + len(rows) and '| SimCLR |' in table
    assert out['command'].startswith('python benchmarks/recipe_sweep.py')


@pytest.mark.slow  # runs benchmarks/recipe_sweep.py (trainings) in a fresh interpreter
def test_the_deadline_stops_runs_and_keeps_the_rest_unstarted(tmp_path):
    variants = [dict(name='a', options=SMALL), dict(name='b', options=SMALL)]
    proc = _sweep(tmp_path, variants, '--jobs', '1', '--deadline', '0.5', '--no-baselines')
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = json.loads((tmp_path / 'rows.json').read_text())['rows']
    assert [r['variant'] for r in rows] == ['a', 'b']
    assert rows[0]['state'] == 'stopped' and not rows[0]['finished']
    assert 'stopped at the deadline' in proc.stdout
    assert rows[1]['state'] == 'not started' and not rows[1]['finished']


@pytest.mark.slow  # runs benchmarks/recipe_sweep.py (trainings) in a fresh interpreter
def test_bad_calls_stop_before_anything_runs(tmp_path):
    (tmp_path / 'rows.json').write_text('keep me')
    proc = _sweep(tmp_path, [dict(name='a', options=SMALL)])
    assert proc.returncode == 2 and 'pass --force to overwrite' in proc.stderr
    assert (tmp_path / 'rows.json').read_text() == 'keep me'
    proc = _sweep(tmp_path, [dict(name='a', options={'model.nope': 1})], '--force')
    assert proc.returncode == 1 and "option 'model.nope' is not in its config" in proc.stderr
    assert not (tmp_path / 'work' / 'a' / 'train.log').exists()


@pytest.mark.slow  # benchmarks/device_sweep.sh --dry-run end to end
def test_device_sweep_dry_run_brings_back_rows_logs_and_scalars(tmp_path):
    """The GPU call's wrapper, on the CPU at toy sizes, with a one-variant sweep."""
    data = _fashion_mnist(str(tmp_path / 'fmnist'), n=512)  # the dry run trains on 512
    sweep = tmp_path / 'sweep.json'
    sweep.write_text(json.dumps([dict(name='main job', options=dict(
        SMALL, **{'train_dataloader.batch_size': 128}))]))
    out = tmp_path / 'out'
    env = dict(os.environ, OUT=str(out), OMP_NUM_THREADS='1', FASHION_MNIST=data,
               SWEEP_WORK_DIR=str(tmp_path / 'work'))
    proc = subprocess.run(['bash', 'benchmarks/device_sweep.sh', '--dry-run', str(sweep)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = json.loads((out / 'sweep.json').read_text())['rows']
    assert [r['variant'] for r in rows] == ['main job'] and rows[0]['finished']
    assert rows[0]['images_seen'] == 2 * 512
    for name in ('train.log', 'config.py', 'scalars.json'):
        assert (out / 'runs' / 'main_job' / name).is_file()
    assert '| main job |' in (out / 'sweep.md').read_text()


@pytest.mark.parametrize('env, argv, message', [
    ({}, [], 'set OUT to the folder'),
    ({'OUT': 'x'}, ['no/such/sweep.json'], 'no sweep file no/such/sweep.json'),
])
def test_device_sweep_bad_calls(tmp_path, env, argv, message):
    env = dict({k: v for k, v in os.environ.items() if k != 'OUT'}, **env)
    proc = subprocess.run(['bash', 'benchmarks/device_sweep.sh'] + argv, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr


@pytest.mark.slow  # runs benchmarks/recipe_sweep.py (trainings) in a fresh interpreter
def test_a_failed_run_is_in_the_table_and_the_exit_status(tmp_path):
    # one epoch leaves no room for the cosine after the warm-up: tools/train.py refuses it
    variants = [dict(name='one epoch', options=dict(SMALL, **{'train_cfg.max_epochs': 1}))]
    proc = _sweep(tmp_path, variants, '--no-baselines')
    assert proc.returncode == 1 and "1 variant(s) failed: one epoch" in proc.stderr
    row = json.loads((tmp_path / 'rows.json').read_text())['rows'][0]
    assert row['state'] == 'failed' and row['returncode'] != 0 and row['curve'] == []
    assert 'leaves no epoch for CosineAnnealingLR' in (
        tmp_path / 'work' / 'one_epoch' / 'train.log').read_text()


def test_mec_decay_screen_spares_only_norms_and_biases():
    mec = Config.fromfile(os.path.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb128-5e_cifar10.py'))
    screen = Config.fromfile(os.path.join(
        ROOT, 'benchmarks/sweeps/configs/mec_5e_no_norm_bias_decay_cifar10.py'))
    assert screen.optim_wrapper.pop('paramwise_cfg') == dict(norm_decay_mult=0., bias_decay_mult=0.)
    assert screen.optim_wrapper == mec.optim_wrapper
    for key in ('model', 'param_scheduler', 'train_dataloader', 'train_cfg', 'custom_hooks'):
        assert screen[key] == mec[key]


def _same_budget_row(method, tmp_path):
    """The config the same-budget harness trains for ``method`` (5 epochs of batch 128)."""
    from cifar_same_budget import method_config
    args = types.SimpleNamespace(train_limit=None, batch=128, keep_step_lr=True,
                                 data_root='data/cifar10/', knn_train_limit=None, epochs=5,
                                 log_interval=50, seed=0)
    return Config.fromfile(method_config(method, args, str(tmp_path / 'row'))['path'])


def _screen_configs(sweep, tmp_path):
    """Each variant's config as the sweep trains it on the harness's data root."""
    variants = recipe_sweep.load_sweep(os.path.join(ROOT, 'benchmarks', 'sweeps', sweep))
    return [Config.fromfile(recipe_sweep.variant_config(
        v, _args(config=v['config'], data_root='data/cifar10/'), str(tmp_path / str(i)))['path'])
        for i, v in enumerate(variants)]


# what a screen shares with the harness's row whatever it changes in the optimisation
_ROW_KEYS = ('model', 'train_dataloader', 'knn_train_dataloader', 'knn_test_dataloader',
             'data_preprocessor')


@pytest.mark.parametrize('method', ['DISSL', 'CISSL'])
def test_issl_warmup_screens_are_the_same_budget_rows_but_for_the_warmup(tmp_path, method):
    """The screen config is what the same-budget harness trains for the method (the whole
    split, 5 epochs of batch 128) with only the warm-up moved from one epoch to a quarter."""
    row = _same_budget_row(method, tmp_path)
    screen = Config.fromfile(os.path.join(
        ROOT, f'benchmarks/sweeps/configs/{method.lower()}_5e_short_warmup_cifar10.py'))
    assert [(s.get('end'), s.begin) for s in row.param_scheduler] == [(1, 0), (None, 1)]
    assert [(s.get('end'), s.begin) for s in screen.param_scheduler] == [(0.25, 0), (None, 0.25)]
    for a, b in zip(row.param_scheduler, screen.param_scheduler):
        assert {k: v for k, v in a.items() if k not in ('begin', 'end')} == \
            {k: v for k, v in b.items() if k not in ('begin', 'end')}
    for key in _ROW_KEYS + ('optim_wrapper',):
        assert screen[key] == row[key], key
    assert screen.train_cfg.max_epochs == row.train_cfg.max_epochs == 5


def test_dissl_adamw_screen_is_the_same_budget_row_but_for_the_optimiser(tmp_path):
    """The sweep's options put the one-epoch warm-up back on the warm-up screen's config, so
    the variant is the harness's DISSL row with AdamW (weight decay 0.05) instead of Adam."""
    row = _same_budget_row('DISSL', tmp_path)
    [screen] = _screen_configs('cifar10_dissl_5e_adamw.json', tmp_path)
    assert screen.param_scheduler == row.param_scheduler
    assert row.optim_wrapper.optimizer == dict(type='Adam', lr=2e-3, weight_decay=1e-6)
    assert screen.optim_wrapper.optimizer == dict(type='AdamW', lr=2e-3, weight_decay=0.05)
    for key in _ROW_KEYS:
        assert screen[key] == row[key], key
    assert screen.train_cfg.max_epochs == row.train_cfg.max_epochs == 5


@pytest.mark.parametrize('method, sweep, step_lr', [
    ('SimCLR', 'cifar10_simclr_5e.json', 0.3),
    ('BarlowTwins', 'cifar10_barlowtwins_5e.json', 0.2)])
def test_baseline_screens_are_the_same_budget_row_but_for_what_they_name(
        tmp_path, method, sweep, step_lr):
    """Each variant is the harness's row for the mmpretrain baseline (5 epochs of batch 128 at
    the config's lr per step) with one of MEC's two levers: weight decay 5e-4, or a
    quarter-epoch warm-up."""
    row = _same_budget_row(method, tmp_path)
    screens = _screen_configs(sweep, tmp_path)
    assert len(screens) == 2  # weight decay, then warm-up
    for screen in screens:
        for key in _ROW_KEYS + ('auto_scale_lr', 'train_cfg'):
            assert screen[key] == row[key], key
    assert row.train_cfg.max_epochs == 5 and row.train_dataloader.batch_size == 128
    assert row.optim_wrapper.optimizer.lr * 128 / row.auto_scale_lr.base_batch_size == step_lr
    assert row.optim_wrapper.optimizer.weight_decay == 1e-6
    assert screens[0].optim_wrapper.optimizer == dict(row.optim_wrapper.optimizer, weight_decay=5e-4)
    assert screens[0].param_scheduler == row.param_scheduler
    assert screens[1].optim_wrapper == row.optim_wrapper
    assert [(s.get('end'), s.begin) for s in row.param_scheduler] == [(1, 0), (None, 1)]
    assert [(s.get('end'), s.begin) for s in screens[1].param_scheduler] == [(0.25, 0), (None, 0.25)]


# the screens of the same-budget comparison's rows: one file per method, each variant the
# method's row config (what benchmarks/cifar_same_budget.py trains) but for the options it names
SCREENS = {'cifar10_cissl_5e_screen.json': 'CISSL', 'cifar10_dissl_5e_screen.json': 'DISSL',
           'cifar10_simclr_5e_screen.json': 'SimCLR',
           'cifar10_mocosmall_5e_screen.json': 'MoCo-small', 'cifar10_byol_5e_screen.json': 'BYOL',
           'cifar10_simsiam_5e_screen.json': 'SimSiam',
           'cifar10_barlowtwins_5e_screen.json': 'BarlowTwins'}


def test_every_sweep_file_is_checked_by_a_test():
    names = {os.path.basename(p) for p in glob.glob(os.path.join(ROOT, 'benchmarks/sweeps/*.json'))}
    covered = set(SCREENS) | set(CIFAR_SWEEPS) | set(FASHION_MNIST_SWEEPS) | {
        os.path.basename(SHIPPED)}
    assert names == covered


def _flat(node, prefix=''):
    """{'a.b.0.c': leaf} of a nested config."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return {prefix: node}
    out = {}
    for k, v in items:
        out.update(_flat(v, f'{prefix}.{k}' if prefix else str(k)))
    return out if out else {prefix: node}


def _under(key: str, option: str) -> bool:
    return key == option or key.startswith(option + '.')


@pytest.mark.parametrize('sweep', sorted(SCREENS))
def test_each_screen_variant_is_the_methods_row_but_for_what_it_names(tmp_path, sweep):
    """Every variant starts from the config the same-budget harness trains for the method
    (5 epochs of batch 128 on the whole split, the shared k-NN) and differs from it in the
    keys its options name, to the values they give, and nowhere else; the first variant
    is the row unchanged. Every screen moves the lr per step and the warm-up."""
    from cifar_same_budget import METHODS
    method = SCREENS[sweep]
    variants = recipe_sweep.load_sweep(os.path.join(ROOT, 'benchmarks', 'sweeps', sweep))
    assert {v['config'] for v in variants} == {METHODS[method]}
    assert variants[0]['options'] == {}
    configs = [Config.fromfile(recipe_sweep.variant_config(
        v, _args(config=v['config'], data_root='data/cifar10/'), str(tmp_path / str(i)))['path'])
        for i, v in enumerate(variants)]
    row = _same_budget_row(method, tmp_path)
    for key in _ROW_KEYS + ('optim_wrapper', 'auto_scale_lr', 'param_scheduler', 'train_cfg',
                            'custom_hooks'):
        assert configs[0].get(key) == row.get(key), key
    reference = _flat(configs[0].to_dict())
    for v, cfg in zip(variants[1:], configs[1:]):
        options = v['options']
        assert options, v['name']
        for key, value in options.items():
            assert _option(cfg, key) == value != _option(configs[0], key), (v['name'], key)
        flat = _flat(cfg.to_dict())
        changed = {k for k in set(flat) | set(reference) if flat.get(k, 'absent') !=
                   reference.get(k, 'absent')}
        assert all(any(_under(k, o) for o in options) for k in changed), (v['name'], changed)
    named = [set(v['options']) for v in variants]
    assert sum(o == {'optim_wrapper.optimizer.lr'} for o in named) == 3  # x0.5, x2, x4
    assert sum(any(k.startswith('param_scheduler') for k in o) for o in named) == 2  # warm-ups


def test_the_moco_small_warmup_rises_to_the_rows_lr_then_follows_its_cosine(tmp_path):
    """MoCo-small's row has no warm-up (a cosine set once an epoch): the screen's warm-up is a
    LinearLR per iteration chained with that cosine, which it leaves as it was after the
    warm-up."""
    from _schedule import runner_lrs
    variants = recipe_sweep.load_sweep(
        os.path.join(ROOT, 'benchmarks', 'sweeps', 'cifar10_mocosmall_5e_screen.json'))
    row = Config.fromfile(os.path.join(ROOT, variants[0]['config']))
    shipped = runner_lrs(row, tmp_path / 'row', epoch_length=8, lr=1.0)
    for v in variants:
        if 'param_scheduler' not in v['options']:
            continue
        cfg = Config.fromfile(os.path.join(ROOT, v['config']))
        cfg.merge_from_dict(v['options'])
        lrs = runner_lrs(cfg, tmp_path / str(len(v['name'])), epoch_length=8, lr=1.0)
        end = int(v['options']['param_scheduler'][0]['end'] * 8)
        assert lrs[0] < 0.01 and all(a < b for a, b in zip(lrs[:end - 1], lrs[1:end]))
        assert lrs[end:] == pytest.approx(shipped[end:], abs=1e-6)
