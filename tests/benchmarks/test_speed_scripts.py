"""The speed benchmarks run end to end on the CPU at toy sizes (``--device cpu
--quick``) and write well-formed JSON whose value checks agree. No timing is
asserted: CPU figures here are smoke runs, not performance figures."""
import json
import math
import os
import subprocess
import sys

import pytest

from _scripts import load_tool
from tiny_datasets import make_cifar_folder

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ENV_KEYS = ('device', 'torch', 'date_utc', 'command')


@pytest.fixture(scope='module')
def dry_run(tmp_path_factory):
    """``benchmarks/device_check.sh --dry-run``: the device check's every step at toy
    sizes on the CPU, so that a broken step shows here and not in a GPU lease."""
    tmp = tmp_path_factory.mktemp('bench')
    data = make_cifar_folder(str(tmp / 'cifar'), per_class_train=24)
    out = tmp / 'out'
    env = dict(os.environ, OUT=str(out), CIFAR_DATA=data, PYTHON=sys.executable)
    proc = subprocess.run(['bash', 'benchmarks/device_check.sh', '--dry-run'], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return out, proc.stdout


@pytest.fixture(scope='module')
def runs(dry_run):
    out, _ = dry_run
    names = dict(mec_loss='mec_loss.json', train_step='train_step.json', cifar='cifar_tta.json')
    results = {}
    for name, file in names.items():
        with open(out / file) as f:
            results[name] = json.load(f)
    return results


@pytest.mark.slow  # reads benchmarks/device_check.sh --dry-run, run end to end
def test_device_check_dry_run_writes_log_tables_and_no_failure(dry_run, runs):
    out, log = dry_run
    assert 'failed: none' in log.splitlines()[-1]
    assert (out / 'device_check.log').read_text().strip().splitlines()[-1] == \
        log.strip().splitlines()[-1]
    tables = (out / 'tables.md').read_text()
    for record in runs.values():
        assert f"`{record['command']}`" in tables


@pytest.mark.parametrize('argv,env,message', [
    (['--bogus'], dict(OUT='/tmp/x'), "unknown argument '--bogus'"),
    (['--dry-run'], dict(OUT=''), 'set OUT'),
])
def test_device_check_refuses_bad_calls(argv, env, message):
    proc = subprocess.run(['bash', 'benchmarks/device_check.sh'] + argv, cwd=ROOT,
                          env=dict(os.environ, **env), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr


def _check_env(record):
    for key in ENV_KEYS:
        assert record[key], key
    assert record['device_type'] == 'cpu' and record['quick'] is True
    assert '--quick' in record['command']


def _positive(x):
    return isinstance(x, float) and math.isfinite(x) and x > 0


@pytest.mark.slow  # reads benchmarks/device_check.sh --dry-run, run end to end
def test_mec_loss_script_agrees_with_the_repeated_product_form(runs):
    r = runs['mec_loss']
    _check_env(r)
    assert r['all_agree'] is True and r['max_value_rel_diff'] < 1e-4
    assert {(s['m'], s['d']) for s in r['shapes']} == {(16, 32), (16, 96), (48, 32), (48, 96)}
    for s in r['shapes']:
        assert sorted(s['taylor']) == ['2', '3', '4', '5', '6']
        for entry in s['taylor'].values():
            assert _positive(entry['reference_ms'])
            for mode in ('batch', 'feature', 'auto'):
                assert entry[mode]['agree'] and entry[mode]['grad_rel_diff'] < 1e-4
                assert _positive(entry[mode]['ms']) and _positive(entry[mode]['speedup'])
        assert s['exact']['agree'] and _positive(s['exact']['ms'])
        # the order-4 series is an approximation of the exact value, not equal to it
        assert 0 < s['exact']['taylor4_vs_exact'] < 0.5


@pytest.mark.slow  # reads benchmarks/device_check.sh --dry-run, run end to end
def test_train_step_script_runs_all_three_paths(runs):
    r = runs['train_step']
    _check_env(r)
    assert r['hooks'] is True
    for name in ('plugin_fp32', 'plugin_fp32_fused', 'plain_fp32', 'byol_fp32'):
        res = r['results'][name]
        assert 'error' not in res, res
        assert _positive(res['images_per_s']) and res['loss_finite'] is True
        assert res['peak_mem_gib'] is None  # CPU: no device memory to report
    assert r['results']['plugin_fp32']['head_mode'] == 'auto'
    assert [r['results'][n]['fused_optimizer'] for n in ('plugin_fp32', 'plugin_fp32_fused')] \
        == [False, True]
    assert set(r['ratios']) >= {'plugin_fp32/plain_fp32', 'plugin_fp32/byol_fp32',
                                'plugin_fp32_fused/plugin_fp32', 'best_plugin/best_plain'}
    assert all(_positive(v) for v in r['ratios'].values())


@pytest.mark.slow  # reads benchmarks/device_check.sh --dry-run, run end to end
def test_cifar_script_trains_and_evaluates_both_paths(runs):
    r = runs['cifar']
    _check_env(r)
    assert r['data']['num_train'] == 240 and r['data']['num_test'] == 40
    dev = r['device_path']
    # the epochs come from a timed probe within the budget, at most the dry run's 2
    budget = r['budget']
    assert budget['max_epochs'] == 2 and r['epochs'] == budget['epochs_chosen'] in (1, 2)
    assert _positive(budget['step_seconds']) and budget['time_budget_s'] > 0
    assert dev['iters_per_epoch'] == 6 and dev['iters'] == 6 * r['epochs']
    assert dev['loss_finite'] is True and len(dev['epoch_seconds']) == r['epochs']
    assert _positive(dev['images_per_s']) and _positive(dev['projected_seconds_200_epochs'])
    base = r['knn_baselines']
    assert set(base) == {'raw_pixels', 'centred_pixels', 'random_init'}
    assert all(0 <= v <= 100 for v in base.values())
    cpu = r['cpu_worker_path']
    assert _positive(cpu['images_per_s']) and _positive(cpu['loader_only_images_per_s'])
    assert _positive(r['device_over_cpu_worker'])
    knn = r['knn']
    assert knn['k'] == 200 and knn['temperature'] == 0.1 and knn['metric'] == 'cosine'
    assert knn['num_train'] == 240 and 0 <= knn['knn_top1'] <= 100
    assert r['target']['applies'] is False


@pytest.mark.slow  # reads benchmarks/device_check.sh --dry-run, run end to end
def test_tables_head_each_record_and_leave_cpu_targets_undecided(runs):
    tables = load_tool('benchmarks/tables.py')
    for name, record in runs.items():
        text = tables.render(record)
        for key in ('device', 'torch', 'date_utc', 'command'):
            assert str(record[key]) in text, (name, key)
        assert 'quick: toy sizes' in text
        verdicts = [line.rsplit('— ', 1)[1] for line in text.splitlines()
                    if line.startswith('- ') and '— ' in line]
        assert verdicts and set(verdicts) == {'n/a'}, (name, verdicts)
    rows = [line for line in tables.render(runs['mec_loss']).splitlines()
            if line.startswith('| 16 ') or line.startswith('| 48 ')]
    assert len(rows) == 4 * 5 + 4  # every shape x order, and every exact shape
    with pytest.raises(ValueError, match='not a record of the speed benchmarks'):
        tables.render(dict(benchmark='other'))


def test_tables_decide_the_gpu_targets():
    """The verdicts on a GPU record, at the issue's thresholds."""
    tables = load_tool('benchmarks/tables.py')
    env = dict(device='NVIDIA H100', device_type='cuda', torch='2.x', cuda='13.0',
               date_utc='2026-11-23T00:00:00Z', command='python benchmarks/x.py', quick=False)

    def entry(official, auto, compiled=None):
        mode = dict(ms=auto, speedup=official / auto)
        e = dict(reference_ms=official, batch=mode, feature=mode, auto=mode)
        if compiled:
            e['auto_compiled'] = dict(ms=compiled)
        return e
    exact = dict(reference_ms=1., ms=1., speedup=1., taylor4_vs_exact=1e-3)
    loss = dict(benchmark='mec_loss', **env, all_agree=True, max_value_rel_diff=1e-7, shapes=[
        dict(m=4096, d=2048, taylor={'4': entry(30., 5.)}, exact=exact),      # 6x
        dict(m=1024, d=2048, taylor={'4': entry(1.4, 0.7, compiled=0.45)}, exact=exact)])
    text = tables.render(loss)
    assert '6.00× — met' in text  # >= 5x at m 4096
    assert '0.450 ms — met' in text  # the compiled path is under 0.5 ms
    assert '2.00× — met' in text  # never slower: the lowest ratio is 2

    step = dict(benchmark='train_step', **env, ratios={}, results={
        'plugin_bf16_cl': dict(images_per_s=1200., ms_per_step=100.),
        'plain_bf16_cl': dict(images_per_s=1189., ms_per_step=100.),
        'byol_bf16': dict(images_per_s=676., ms_per_step=100.)})
    text = tables.render(step)
    assert '1.009× — NOT met' in text  # 1200 / 1189 < 1.05
    assert '1.775× — NOT met' in text  # 1200 / 676 < 1.8
    step['results']['plugin_bf16_cl']['images_per_s'] = 1300.
    assert tables.render(step).count('— met') == 2


def _lrs(schedulers, steps):
    """The lr of each iteration under mmengine's schedulers (base lr 1), as the Runner's
    ParamSchedulerHook steps them."""
    import torch
    from mmengine.registry import PARAM_SCHEDULERS
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.)
    built = [PARAM_SCHEDULERS.build(dict(s, optimizer=opt)) for s in schedulers]
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()  # no gradient: nothing changes, but the schedulers see the usual order
        for s in built:
            s.step()
    return lrs


@pytest.mark.parametrize('epochs', [38, 200])
def test_time_to_accuracy_keeps_the_warmups_in_iterations(epochs):
    """The 200-epoch config's 10 warm-up epochs stay 970 iterations (97 an epoch at batch
    512) however many epochs the run has: the lr reaches its peak at the warm-up's last
    iteration (mmengine's LinearLR, linear over end - begin - 1 steps), the
    1/lambda warm-up hook counts the same, and the cosine fills the rest of the run."""
    from mmengine.config import Config
    tta = load_tool('benchmarks/cifar_time_to_accuracy.py')
    cfg = Config.fromfile(tta.CONFIG)
    assert cfg.param_scheduler[0].end == 10 and cfg.train_dataloader.batch_size == 512
    lr, hooks = tta.schedule(cfg, epochs, 97)
    total = epochs * 97
    assert [(s['type'], s['by_epoch'], s['begin'], s['end']) for s in lr] == [
        ('LinearLR', False, 0, 970), ('CosineAnnealingLR', False, 970, total)]
    assert all('convert_to_iter_based' not in s for s in lr)
    warm = next(h for h in hooks if h['type'] == 'MECLambdaWarmupHook')
    assert warm['warmup_iters'] == 970 and warm['start_factor'] == 8.
    lrs = _lrs(lr, total)
    assert lrs[0] == pytest.approx(1e-8)
    assert lrs[485] == pytest.approx(1e-8 + (1 - 1e-8) * 485 / 969)
    assert lrs[969] == pytest.approx(1.) and lrs[970] == pytest.approx(1.)
    t = 100  # cosine from the end of the warm-up to 0 at the end of the run
    assert lrs[970 + t] == pytest.approx(0.5 * (1 + math.cos(math.pi * t / (total - 970))))
    assert lrs[-1] < 1e-4


def test_time_to_accuracy_cuts_a_warmup_longer_than_the_run():
    from mmengine.config import Config
    tta = load_tool('benchmarks/cifar_time_to_accuracy.py')
    cfg = Config.fromfile(tta.CONFIG)
    lr, hooks = tta.schedule(cfg, 5, 97)  # 485 iterations: the warm-up is the whole run
    assert [(s['type'], s['begin'], s['end']) for s in lr] == [('LinearLR', 0, 485)]
    assert next(h for h in hooks if 'warmup_iters' in h)['warmup_iters'] == 485
    # a warm-up given in iterations keeps them, a cosine's T_max follows its length
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=10, T_max=10,
             convert_to_iter_based=True)]
    # a hook's warm-up is its own: in epochs, or in iterations as given
    cfg.custom_hooks = [dict(type='MECLambdaWarmupHook', warmup_epochs=0.5),
                        dict(type='MECLambdaWarmupHook', warmup_epochs=10, warmup_iters=7)]
    lr, hooks = tta.schedule(cfg, 3, 97)
    assert [(s['begin'], s['end'], s.get('T_max')) for s in lr] == [(0, 50, None),
                                                                      (50, 291, 241)]
    assert [h['warmup_iters'] for h in hooks] == [48, 7]
