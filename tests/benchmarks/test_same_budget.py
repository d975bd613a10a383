"""The same-budget comparison: mmpretrain's baselines on the shared small network take
a gradient step, and the harness runs end to end on tiny data (two methods, two epochs)
with its rows, curves, baselines, table and plot."""
import glob
import json
import os
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmpretrain.utils import register_all_modules

import mec_plugin  # noqa: F401
from mec_plugin.registry import MODELS
from tiny_datasets import make_cifar_folder

register_all_modules(init_default_scope=True)  # LARS and the heads resolve in mmpretrain's scope

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# the CIFAR-10 comparison's baselines (the Fashion-MNIST SimCLR config is the transfer
# table's comparator, tested with the other comparators in tests/engine/test_fast_cpu_training.py)
BASELINES = sorted(glob.glob(os.path.join(ROOT, 'configs', 'baselines', '*_cifar10.py')))
KEYS = {'method', 'knn_top1_k20', 'knn_top1_k200', 'images_seen', 'wall_s', 'config', 'command'}


def _bn(cfg):
    """SyncBN -> BN (the Runner reverts it on one process; here the model is built alone)."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            return dict(cfg, type='BN')
        return {k: _bn(v) for k, v in cfg.items()}
    return [_bn(v) for v in cfg] if isinstance(cfg, list) else cfg


def test_the_four_mmpretrain_baselines_are_there():
    names = {os.path.basename(p).split('_')[0] for p in BASELINES}
    assert names == {'byol', 'simsiam', 'simclr', 'barlowtwins'}


@pytest.mark.parametrize('path', BASELINES, ids=os.path.basename)
def test_baseline_config_shares_the_network_and_takes_a_step(path):
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(path)
    mec = Config.fromfile(os.path.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py'))
    assert cfg.model.backbone == mec.model.backbone  # the same small network as MEC's
    assert cfg.data_preprocessor == mec.data_preprocessor  # the same views
    assert cfg.train_dataloader.batch_size == int(re.search(r'_1xb(\d+)-', path).group(1))
    torch.manual_seed(0)
    model_cfg = _bn(cfg.model.to_dict())
    model_cfg['data_preprocessor'] = cfg.data_preprocessor.to_dict()
    model = MODELS.build(model_cfg)
    model.init_weights()
    MessageHub.get_current_instance().update_info('max_iters', 10)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper.to_dict())
    batch = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    before = model.backbone.conv1.weight.detach().clone()
    out = model.train_step(dict(inputs=batch, data_samples=None), wrapper)
    assert torch.isfinite(out['loss'])
    assert not torch.equal(before, model.backbone.conv1.weight)


def test_simsiam_for_the_short_budget_is_simsiam_with_byols_heads_and_lars():
    simsiam = Config.fromfile(
        os.path.join(ROOT, 'configs/baselines/simsiam_resnet18-w16_1xb128-5e_cifar10.py'))
    byol = Config.fromfile(
        os.path.join(ROOT, 'configs/baselines/byol_resnet18-w16_1xb256-4e_cifar10.py'))
    assert simsiam.model.type == 'SimSiam' and 'base_momentum' not in simsiam.model
    assert (simsiam.model.neck, simsiam.model.head) == (byol.model.neck, byol.model.head)
    assert simsiam.optim_wrapper.paramwise_cfg == byol.optim_wrapper.paramwise_cfg
    step_lr = {name: cfg.optim_wrapper.optimizer.lr * cfg.train_dataloader.batch_size
               / cfg.auto_scale_lr.base_batch_size for name, cfg in (('simsiam', simsiam),
                                                                     ('byol', byol))}
    assert step_lr == {'simsiam': 2.4, 'byol': 2.4}
    assert simsiam.optim_wrapper.optimizer.type == 'LARS' and simsiam.custom_hooks == []
    assert simsiam.train_cfg.max_epochs == 5


def _harness(tmp_path, *extra):
    data = str(tmp_path / 'cifar')
    if not os.path.isdir(data):
        make_cifar_folder(data, per_class_train=21)
    cmd = [sys.executable, 'benchmarks/cifar_same_budget.py', '--methods', 'MEC', 'SimCLR',
           '--epochs', '2', '--data-root', data, '--train-limit', '160', '--batch', '16',
           '--knn-train-limit', '210', '--work-dir', str(tmp_path / 'work'),
           '--out', str(tmp_path / 'rows.json'), '--plot', str(tmp_path / 'curve.png'),
           '--markdown', str(tmp_path / 'table.md')] + list(extra)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow  # runs benchmarks/cifar_same_budget.py in a fresh interpreter
@pytest.mark.timeout(600)  # several tiny trainings: over 120 s on a loaded 2-core CPU
def test_harness_writes_rows_curves_table_and_plot(tmp_path):
    proc = _harness(tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = json.loads((tmp_path / 'rows.json').read_text())
    assert [r['method'] for r in rows] == ['MEC', 'SimCLR', 'raw pixels', 'centred pixels',
                                           'random init']
    for r in rows:
        assert KEYS <= set(r) and 0 <= r['knn_top1_k20'] <= 100 and 0 <= r['knn_top1_k200'] <= 100
    mec, simclr = rows[0], rows[1]
    # MEC's config drops the last partial batch, SimCLR's does not: 2 x 160 images either way
    # here (10 iterations an epoch: MEC's quarter-epoch warm-up needs 2)
    assert mec['images_seen'] == simclr['images_seen'] == 320
    for r in (mec, simclr):
        assert r['wall_s'] > 0 and [p['images_seen'] for p in r['curve']] == [160, 320]
        assert r['config'].startswith('configs/')
        ckpt = tmp_path / 'work' / r['method'] / 'epoch_2.pth'
        assert ckpt.is_file()
    assert all(r['images_seen'] == 0 for r in rows[2:])
    # the pixel rows equal the k-NN tool run on the same data by hand
    knn = json.loads((tmp_path / 'work' / 'baselines' / 'raw_pixels.json').read_text())
    assert rows[2]['knn_top1_k20'] == knn['weighted_knn']['k=20,T=0.07']
    table = (tmp_path / 'table.md').read_text()
    assert table.count('\n') == 2 + len(rows) and '| raw pixels |' in table
    assert (tmp_path / 'curve.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    _resume_and_survive_a_failure(tmp_path, rows)
    _complete_a_table_from_an_earlier_one(tmp_path, rows)


def _baseline_files(tmp_path):
    """The pixel and random-init rows' k-NN outputs, with their modification times."""
    return {p: os.stat(p).st_mtime_ns
            for p in glob.glob(str(tmp_path / 'work' / 'baselines' / '*.json'))}


def _resume_and_survive_a_failure(tmp_path, rows):
    """Run again with --resume and a third method whose training crashes: MEC and SimCLR
    are read back, not retrained; the crash is reported, the others' rows are kept and
    the exit status is non-zero. At another batch no method is read back. The pixel and
    random-init rows, which do not depend on the batch, are read back both times."""
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import cifar_same_budget as harness
    real_run = harness.run
    trained = []
    baselines = _baseline_files(tmp_path)
    assert len(baselines) == 3

    def run(cmd, log, crash=('BYOL',)):
        if 'tools/train.py' in cmd:
            trained.append(log)
            if any(os.sep + name + os.sep in log for name in crash):
                raise RuntimeError('training crashed')
        return real_run(cmd, log)

    def argv(batch):
        return ['--methods', 'MEC', 'BYOL', 'SimCLR', '--epochs', '2', '--data-root',
                str(tmp_path / 'cifar'), '--train-limit', '160', '--batch', batch,
                '--knn-train-limit', '210', '--work-dir', str(tmp_path / 'work'),
                '--out', str(tmp_path / 'rows.json'), '--resume', '--force']

    harness.run = run
    try:
        with pytest.raises(SystemExit, match='failed: BYOL'):
            harness.main(argv('16'))
        assert len(trained) == 1 and 'BYOL' in trained[0]  # nothing else was trained again
        again = json.loads((tmp_path / 'rows.json').read_text())
        # another batch is another config: nothing is read back (every training crashes)
        harness.run = lambda cmd, log: run(cmd, log, crash=('MEC', 'BYOL', 'SimCLR'))
        with pytest.raises(SystemExit, match='failed: MEC, BYOL, SimCLR'):
            harness.main(argv('8'))
    finally:
        harness.run = real_run
    assert [r['method'] for r in again] == [r['method'] for r in rows]
    for old, new in zip(rows, again):
        assert new['knn_top1_k20'] == old['knn_top1_k20']
        assert new['images_seen'] == old['images_seen'] and new['curve'] == old['curve']
    assert _baseline_files(tmp_path) == baselines  # not evaluated again


def _complete_a_table_from_an_earlier_one(tmp_path, rows):
    """--rows-from: SimCLR alone is (read back as) trained, MEC's row is copied from the
    earlier table unchanged; a copied row without its untrained k-NN gets it computed
    (the same value as the run that trained it); a row of another budget is refused."""
    import cifar_same_budget as harness
    earlier = json.loads(json.dumps(rows))  # the first run's table (rows.json is rewritten since)
    mec = next(r for r in earlier if r['method'] == 'MEC')
    start = mec.pop('start_k20')
    (tmp_path / 'earlier.json').write_text(json.dumps(earlier))

    def argv(rows_from):
        return ['--methods', 'SimCLR', '--epochs', '2', '--data-root', str(tmp_path / 'cifar'),
                '--train-limit', '160', '--batch', '16', '--knn-train-limit', '210',
                '--work-dir', str(tmp_path / 'work'), '--out', str(tmp_path / 'completed.json'),
                '--resume', '--force', '--rows-from', str(tmp_path / rows_from)]

    real_run = harness.run

    def run(cmd, log):
        assert 'tools/train.py' not in cmd, 'nothing is trained: SimCLR is read back'
        return real_run(cmd, log)

    harness.run = run
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv('OMP_NUM_THREADS', '1')  # as in the first run: the same untrained k-NN
            harness.main(argv('earlier.json'))
        completed = json.loads((tmp_path / 'completed.json').read_text())
        mec['images_seen'] = 999
        (tmp_path / 'other_budget.json').write_text(json.dumps(earlier))
        with pytest.raises(SystemExit, match='MEC saw 999 images, this budget is 320'):
            harness.main(argv('other_budget.json'))
    finally:
        harness.run = real_run
    assert [r['method'] for r in completed] == [r['method'] for r in rows]
    for old, new in zip(rows, completed):
        assert (new['knn_top1_k20'], new['curve']) == (old['knn_top1_k20'], old.get('curve'))
    assert completed[0]['start_k20'] == start and completed[0]['command'] == rows[0]['command']


def test_knn_reuse_reads_back_only_what_the_same_inputs_gave(tmp_path, monkeypatch):
    """knn(..., reuse=True) reads an earlier output back only when the config file, the
    arguments and any file they name (a checkpoint) are the same; an evaluation that
    failed leaves nothing to read back."""
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import _harness
    calls = []

    def fake_run(cmd, log):  # the k-NN tool: the call's number as its accuracy
        calls.append(cmd)
        acc = float(len(calls))
        with open(cmd[cmd.index('--out') + 1], 'w') as f:
            json.dump({'weighted_knn': {'k=20,T=0.07': acc, 'k=200,T=0.07': acc}}, f)
        return 0.

    monkeypatch.setattr(_harness, 'run', fake_run)
    config, ckpt = tmp_path / 'config.py', tmp_path / 'epoch_1.pth'
    config.write_text('a = 1\n')
    ckpt.write_bytes(b'weights')
    out = str(tmp_path / 'row.json')

    def k20(*extra, reuse=True):
        return _harness.knn(str(config), list(extra), out, reuse=reuse)['knn_top1_k20']

    assert k20('--seed', '0', reuse=False) == 1
    assert k20('--seed', '0') == 1 and len(calls) == 1  # the same inputs: read back
    assert k20('--seed', '0', reuse=False) == 2  # not asked to reuse
    assert k20('--seed', '1') == 3  # other arguments
    config.write_text('a = 2\n')
    assert k20('--seed', '1') == 4  # another config
    assert k20(str(ckpt)) == 5 and k20(str(ckpt)) == 5
    st = os.stat(ckpt)
    os.utime(ckpt, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # the checkpoint rewritten
    assert k20(str(ckpt)) == 6

    def crash(cmd, log):  # wrote its output, then failed
        with open(cmd[cmd.index('--out') + 1], 'w') as f:
            json.dump({'weighted_knn': {'k=20,T=0.07': 99., 'k=200,T=0.07': 99.}}, f)
        raise RuntimeError('k-NN crashed')

    monkeypatch.setattr(_harness, 'run', crash)
    with pytest.raises(RuntimeError):
        k20('--seed', '2')
    monkeypatch.setattr(_harness, 'run', fake_run)
    assert k20(str(ckpt)) == 7  # the failed call's output is not read back


@pytest.mark.slow  # runs benchmarks/cifar_same_budget.py in a fresh interpreter
def test_harness_refuses_to_overwrite_results(tmp_path):
    (tmp_path / 'rows.json').write_text('keep me')
    proc = _harness(tmp_path)
    assert proc.returncode == 2 and 'pass --force to overwrite' in proc.stderr
    assert (tmp_path / 'rows.json').read_text() == 'keep me'


def test_keep_step_lr_moves_the_scaling_base_with_the_batch(tmp_path):
    """--batch alone lets auto_scale_lr scale the lr with the batch; --keep-step-lr keeps
    the lr of each step: SimCLR's 4.8 x 128 / 2048 = 0.3 stays 0.3 at batch 64."""
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import cifar_same_budget as harness
    data = str(tmp_path / 'cifar')
    make_cifar_folder(data, per_class_train=2)

    def step_lr(*extra):
        extra = list(extra) or ['--batch', '128']
        args = harness.parse_args(['--data-root', data] + extra)
        info = harness.method_config('SimCLR', args, str(tmp_path / '_'.join(extra or ['x'])))
        cfg = Config.fromfile(info['path'])
        scale = info['batch'] / cfg.auto_scale_lr.base_batch_size
        return cfg.optim_wrapper.optimizer.lr * scale

    assert step_lr() == pytest.approx(4.8 * 128 / 2048)  # the row's config is at batch 128
    assert step_lr('--batch', '64') == pytest.approx(4.8 * 64 / 2048)
    assert step_lr('--batch', '64', '--keep-step-lr') == pytest.approx(4.8 * 128 / 2048)
    with pytest.raises(SystemExit):
        harness.parse_args(['--data-root', data, '--keep-step-lr'])


def test_every_method_is_scored_on_the_same_knn_memory_and_test_split(tmp_path):
    """CMC's quick config keeps a 5,000-image memory and 2,000 test images; in the
    comparison every row uses 20,000 spread training images and the whole test split (the
    rows' own configs do too: the harness moves them nowhere)."""
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import cifar_same_budget as harness
    data = str(tmp_path / 'cifar')
    make_cifar_folder(data, per_class_train=2)

    def subsets(node):
        if isinstance(node, dict):
            own = [node['num_samples']] if node.get('type') == 'SpreadSubset' else []
            return own + [n for v in node.values() for n in subsets(v)]
        return [n for v in node for n in subsets(v)] if isinstance(node, list) else []

    quick = Config.fromfile(os.path.join(ROOT, 'configs/cmc/cmc_resnet18-w8_1xb128-4e_cifar10.py'))
    assert subsets(quick.to_dict()['knn_test_dataloader']) == [2000]
    runs = [(name, [], 20000) for name in harness.METHODS] + [
        ('CMC', ['--knn-train-limit', '300'], 300), ('MEC', ['--knn-train-limit', '300'], 300)]
    for name, extra, memory in runs:
        args = harness.parse_args(['--data-root', data] + extra)
        info = harness.method_config(name, args, str(tmp_path / f'{name}_{memory}'))
        cfg = Config.fromfile(info['path']).to_dict()
        assert subsets(cfg['knn_train_dataloader']) == [memory], name
        assert subsets(cfg['knn_test_dataloader']) == [], name
    harness.shared_knn_protocol(quick, 20000)
    assert subsets(quick.to_dict()['knn_train_dataloader']) == [20000]
    assert subsets(quick.to_dict()['knn_test_dataloader']) == []
    # a memory without a subset gets one
    cfg = Config(dict(knn_train_dataloader=dict(dataset=dict(type='CustomDataset')),
                      knn_test_dataloader=dict(dataset=dict(type='CustomDataset'))))
    harness.shared_knn_protocol(cfg, 123)
    assert cfg.knn_train_dataloader.dataset.num_samples == 123
    assert cfg.knn_train_dataloader.dataset.dataset.type == 'CustomDataset'


def test_the_curve_is_read_from_the_latest_run_only(tmp_path):
    """A method trained again in its work dir keeps the earlier run's timestamped folder
    (tools/train.py moves its checkpoints aside, never deletes): its points must not
    join the new curve."""
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import cifar_same_budget as harness
    for stamp, accs in (('20261130_220252', (30., 31.)), ('20261201_005700', (40., 45.))):
        vis = tmp_path / stamp / 'vis_data'
        vis.mkdir(parents=True)
        lines = [json.dumps({'loss': 1.0, 'step': 3})] + [
            json.dumps({'knn/top1_k20': a, 'knn/top1_k200': a - 1, 'step': e + 1})
            for e, a in enumerate(accs)]
        (vis / 'scalars.json').write_text('\n'.join(lines) + '\n')
    assert harness.online_curve(str(tmp_path), 100) == [
        dict(images_seen=100, k20=40., k200=39.), dict(images_seen=200, k20=45., k200=44.)]


# what makes a row: the config the harness trains equals the row's config on its own here
ROW_FIELDS = ('model', 'data_preprocessor', 'train_dataloader', 'knn_data_preprocessor',
              'knn_train_dataloader', 'knn_test_dataloader', 'optim_wrapper', 'auto_scale_lr',
              'param_scheduler', 'train_cfg')
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from cifar_same_budget import METHODS  # noqa: E402


@pytest.mark.parametrize('method', list(METHODS))
def test_each_rows_config_reproduces_the_row_with_no_overrides(tmp_path, method):
    """`tools/train.py` on a row's config alone trains what the harness trains at
    --epochs 5 --batch 128 --keep-step-lr: the same epochs, batch, lr and its scaling,
    schedulers, model, data and k-NN; the harness adds only the monitor, the checkpoint
    interval and the seed."""
    import types
    import cifar_same_budget as harness
    args = types.SimpleNamespace(train_limit=None, batch=128, keep_step_lr=True,
                                 data_root='data/cifar10/', knn_train_limit=None, epochs=5,
                                 log_interval=50, seed=0)
    row = Config.fromfile(harness.method_config(method, args, str(tmp_path / 'row'))['path'])
    alone = Config.fromfile(os.path.join(ROOT, METHODS[method]))
    alone.dump(str(tmp_path / 'alone.py'))  # the same round trip through a file
    alone = Config.fromfile(str(tmp_path / 'alone.py'))
    assert alone.train_cfg.max_epochs == 5 and alone.train_dataloader.batch_size == 128
    for key in ROW_FIELDS:
        assert row.get(key) == alone.get(key), key
    assert [h for h in row.custom_hooks if h['type'] != 'KNNMonitorHook'] == \
        alone.get('custom_hooks', [])
    assert METHODS[method].endswith('_1xb128-5e_cifar10.py')


def _fake_trainings(harness, monkeypatch, trained):
    """``harness.run`` and ``harness.knn`` without training: a training writes its monitor's
    scalars and last checkpoint; every k-NN figure is 50 + the seed of the config it scores
    (the untrained network 20 below, k = 200 one below k = 20)."""
    def seed_of(config, extra):
        if '--seed' in extra:
            return int(extra[extra.index('--seed') + 1])
        with open(config) as f:
            return int(re.search(r'randomness\s*=\s*dict\(\s*seed\s*=\s*(\d+)', f.read()).group(1))

    def knn(config, extra, out, reuse=False):
        if '--pixels' in extra:
            return dict(knn_top1_k20=30., knn_top1_k200=29.)
        k20 = 50. + seed_of(config, extra) - (0 if extra and extra[0].endswith('.pth') else 20)
        return dict(knn_top1_k20=k20, knn_top1_k200=k20 - 1)

    def run(cmd, log):
        assert 'tools/train.py' in cmd
        wd = cmd[cmd.index('--work-dir') + 1]
        trained.append(wd)
        seed = seed_of(cmd[2], [])
        vis = os.path.join(wd, '20261208_000000', 'vis_data')
        os.makedirs(vis, exist_ok=True)
        with open(os.path.join(vis, 'scalars.json'), 'w') as f:
            for epoch in (1, 2):
                f.write(json.dumps({'knn/top1_k20': 40. + 5 * epoch + seed,
                                    'knn/top1_k200': 39. + 5 * epoch + seed, 'step': epoch}) + '\n')
        open(os.path.join(wd, 'epoch_2.pth'), 'w').close()
        return 10. + seed

    monkeypatch.setattr(harness, 'knn', knn)
    monkeypatch.setattr(harness, 'run', run)


def test_seeds_train_each_method_once_per_seed_and_report_the_mean(tmp_path, monkeypatch):
    """--seeds 0 1 2: a work dir per seed, the mean and the sample s.d. of the k-NN, each
    seed's figures, the mean curve and wall time; --resume trains only the seeds that did
    not finish; a one-seed table has no s.d.; a table of other seeds is not completed
    from it."""
    import cifar_same_budget as harness
    data = str(tmp_path / 'cifar')
    make_cifar_folder(data, per_class_train=2)
    trained = []
    _fake_trainings(harness, monkeypatch, trained)

    def argv(*extra):
        return ['--methods', 'SimCLR', '--epochs', '2', '--data-root', data, '--batch', '10',
                '--work-dir', str(tmp_path / 'work'), '--force'] + list(extra)

    out, md = str(tmp_path / 'rows.json'), str(tmp_path / 'table.md')
    harness.main(argv('--seeds', '0', '1', '2', '--out', out, '--markdown', md))
    assert sorted(trained) == [str(tmp_path / 'work' / 'SimCLR' / f'seed{s}') for s in range(3)]
    rows = {r['method']: r for r in json.loads(open(out).read())}
    simclr = rows['SimCLR']
    assert simclr['seeds'] == [0, 1, 2]
    assert (simclr['knn_top1_k20'], simclr['knn_top1_k200']) == (51., 50.)
    assert simclr['knn_top1_k20_std'] == simclr['knn_top1_k200_std'] == 1.
    assert simclr['wall_s'] == 11. and simclr['start_k20'] == 31.
    assert [(p['seed'], p['knn_top1_k20']) for p in simclr['per_seed']] == [(0, 50.), (1, 51.), (2, 52.)]
    assert [p['images_seen'] for p in simclr['curve']] == [20, 40]  # 2 images x 10 classes
    assert [p['k20'] for p in simclr['curve']] == [46., 51.]
    assert rows['random init']['seeds'] == [0, 1, 2] and rows['random init']['knn_top1_k20'] == 31.
    assert rows['raw pixels']['knn_top1_k20_std'] is None
    table = open(md).read()
    assert '| SimCLR | 51.00 ± 1.00 | 50.00 ± 1.00 | 40 | 11 |' in table
    assert table.splitlines()[0].endswith('| seeds |') and '| 0, 1, 2 |' in table
    # resume: seed 1's run is lost, a fourth seed is new; only those two are trained
    os.remove(str(tmp_path / 'work' / 'SimCLR' / 'seed1' / 'row.json'))
    trained.clear()
    harness.main(argv('--seeds', '0', '1', '2', '3', '--resume', '--out', out))
    assert sorted(trained) == [str(tmp_path / 'work' / 'SimCLR' / f'seed{s}') for s in (1, 3)]
    assert json.loads(open(out).read())[0]['knn_top1_k20'] == 51.5
    # one seed (--seed is --seeds S): the old layout, no s.d., no seeds column
    trained.clear()
    harness.main(argv('--seed', '2', '--out', out, '--markdown', md))
    assert trained == [str(tmp_path / 'work' / 'SimCLR')]
    simclr = json.loads(open(out).read())[0]
    assert simclr['seeds'] == [2] and simclr['knn_top1_k20'] == 52.
    assert simclr['knn_top1_k20_std'] is None and simclr['knn_top1_k200_std'] is None
    assert '| SimCLR | 52.00 | 51.00 |' in open(md).read()
    assert 'seeds' not in open(md).readline()
    # a one-seed row does not complete a table at three seeds
    with pytest.raises(SystemExit, match=r'SimCLR was trained at seeds \[2\], this table is at'):
        harness.main(argv('--methods', 'MEC', '--seeds', '0', '1', '2', '--rows-from', out))
    with pytest.raises(SystemExit):
        harness.parse_args(argv('--seeds', '0', '0'))
    with pytest.raises(SystemExit):
        harness.parse_args(argv('--seeds', '0', '1', '--seed', '1'))


@pytest.mark.slow  # runs benchmarks/cifar_same_budget.py in a fresh interpreter
@pytest.mark.timeout(600)  # two tiny trainings and eight k-NN runs, each its own interpreter
def test_seeds_train_for_real_in_a_work_dir_per_seed(tmp_path):
    """Two seeds of one method on tiny data, end to end: each seed its own run (its own
    weights), the row their mean with the sample s.d."""
    data = str(tmp_path / 'cifar')
    make_cifar_folder(data, per_class_train=21)
    cmd = [sys.executable, 'benchmarks/cifar_same_budget.py', '--methods', 'SimCLR',
           '--seeds', '0', '1', '--epochs', '2', '--data-root', data, '--train-limit', '40',
           '--batch', '20', '--knn-train-limit', '210', '--work-dir', str(tmp_path / 'work'),
           '--out', str(tmp_path / 'rows.json')]
    proc = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    row = json.loads((tmp_path / 'rows.json').read_text())[0]
    assert row['method'] == 'SimCLR' and row['seeds'] == [0, 1] and row['images_seen'] == 80
    per_seed = row['per_seed']
    for key in ('knn_top1_k20', 'knn_top1_k200'):
        values = [p[key] for p in per_seed]
        assert row[key] == pytest.approx(sum(values) / 2)
        assert row[key + '_std'] == pytest.approx(abs(values[0] - values[1]) / 2 ** 0.5)
    weights = [torch.load(str(tmp_path / 'work' / 'SimCLR' / f'seed{s}' / 'epoch_2.pth'),
                          map_location='cpu', weights_only=False)['state_dict'] for s in (0, 1)]
    name = next(k for k in weights[0] if k.endswith('conv1.weight'))
    assert not torch.equal(weights[0][name], weights[1][name])
