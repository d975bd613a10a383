"""Markdown tables from the JSON records: the speed benchmarks' tables
(docs/dev/benchmarks.md) with the issue-6 target checks, and every table of
measured figures in the user docs (README, docs/, configs/*/README.md).

    python benchmarks/tables.py mec_loss.json train_step.json cifar_tta.json > tables.md
    python benchmarks/tables.py --check    # every rendered table in the docs matches its records
    python benchmarks/tables.py --write    # re-render them in place

Each speed table is headed by the record's device, torch version, date and command;
each target line says the measured figure, the target and whether it was met
("n/a" where the record cannot decide it: a CPU or --quick run, or a path
that was not run).

A doc table is rendered between ``<!-- rendered: NAME -->`` and
``<!-- /rendered -->``; NAME is a key of ``DOC_TABLES``. Nothing between the two
lines is typed by hand: ``--check`` (and tests/test_docs_tables.py) fails when
the text there differs from what the records render.
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys
from typing import Callable, Dict, List, Optional, Tuple

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

# issue 6, on the same GPU and in the same run
TARGETS = dict(
    step_vs_best_plain=1.05,  # the plugin's best step / the best plain loop
    step_vs_byol_bf16=1.8,  # the plugin's best bf16 step / mmpretrain's BYOL in bf16
    loss_speedup_4096=5.0,  # mec_loss auto vs repeated products, m 4096, d 2048, order 4
    loss_ms_1024=0.5,  # mec_loss fwd + bwd at m 1024, d 2048 (order 4), ms
)


def _f(x: Optional[float], digits: int = 2) -> str:
    return '–' if x is None else f'{x:.{digits}f}'


def _verdict(applies: bool, value: Optional[float], ok: Optional[bool]) -> str:
    if not applies or value is None or ok is None:
        return 'n/a'
    return 'met' if ok else 'NOT met'


def _target(what: str, shown: str, applies: bool, value: Optional[float],
            ok: Optional[bool]) -> str:
    """'- what: shown — met | NOT met | n/a'."""
    return f'- {what}: {shown} — {_verdict(applies, value, ok)}'


def _at_least(value: Optional[float], bound: float) -> Optional[bool]:
    return None if value is None else value >= bound


def _at_most(value: Optional[float], bound: float) -> Optional[bool]:
    return None if value is None else value <= bound


def header(record: Dict) -> List[str]:
    return [f"**{record['benchmark']}** — {record['device']}, torch {record['torch']}"
            f"{', CUDA ' + record['cuda'] if record.get('cuda') else ''}, {record['date_utc']}"
            + (' (quick: toy sizes, not a performance figure)' if record.get('quick') else ''),
            '', f"`{record['command']}`", '']


def _on_gpu(record: Dict) -> bool:
    return record.get('device_type') == 'cuda' and not record.get('quick')


def mec_loss_tables(record: Dict) -> List[str]:
    lines = header(record)
    lines += ['| m | d | n | official ms | batch | feature | auto | auto / official '
              '| compiled auto | graph auto |', '|' + ' --- |' * 10]
    worst = None
    for s in record['shapes']:
        for n, e in sorted(s['taylor'].items(), key=lambda kv: int(kv[0])):
            comp, graph = e.get('auto_compiled', {}), e.get('auto_cuda_graph', {})
            lines.append(f"| {s['m']} | {s['d']} | {n} | {_f(e['reference_ms'], 3)} "
                         f"| {_f(e['batch']['ms'], 3)} | {_f(e['feature']['ms'], 3)} "
                         f"| {_f(e['auto']['ms'], 3)} | {_f(e['auto']['speedup'])}× "
                         f"| {_f(comp.get('ms'), 3)} | {_f(graph.get('ms'), 3)} |")
            worst = e['auto']['speedup'] if worst is None else min(worst, e['auto']['speedup'])
    lines += ['', '| m | d | slogdet(I + C) ms | plugin exact ms | ratio | order-4 rel. error |',
              '|' + ' --- |' * 6]
    for s in record['shapes']:
        x = s['exact']
        lines.append(f"| {s['m']} | {s['d']} | {_f(x['reference_ms'], 3)} | {_f(x['ms'], 3)} "
                     f"| {_f(x['speedup'])}× | {x['taylor4_vs_exact']:.2e} |")
    shape = {(s['m'], s['d']): s for s in record['shapes']}
    gpu = _on_gpu(record)
    big = shape.get((4096, 2048), {}).get('taylor', {}).get('4')
    small = shape.get((1024, 2048), {}).get('taylor', {}).get('4')
    speedup = big['auto']['speedup'] if big else None
    fastest = None
    if small:  # the fastest path the plugin offers at that size
        fastest = min(v for v in (small['auto']['ms'], small.get('auto_compiled', {}).get('ms'),
                                  small.get('auto_cuda_graph', {}).get('ms')) if v is not None)
    lines += ['', 'Targets:',
              _target(f"auto ≥ {TARGETS['loss_speedup_4096']}× repeated products at m 4096, "
                      'd 2048, order 4', f'{_f(speedup)}×', gpu, speedup,
                      _at_least(speedup, TARGETS['loss_speedup_4096'])),
              _target('never slower (lowest auto / official over every shape and order)',
                      f'{_f(worst)}×', gpu, worst, _at_least(worst, 1.0)),
              _target(f"≤ {TARGETS['loss_ms_1024']} ms fwd + bwd at m 1024, d 2048 (fastest of "
                      'eager, compiled, graph)', f'{_f(fastest, 3)} ms', gpu, fastest,
                      _at_most(fastest, TARGETS['loss_ms_1024'])),
              f"- values agree with the official form: {record['all_agree']} (max rel. diff "
              f"{record['max_value_rel_diff']:.1e})"]
    return lines


def train_step_tables(record: Dict) -> List[str]:
    lines = header(record)
    lines += ['| path | images/s | ms/step | peak GiB | syncs/step | optim wrapper |',
              '|' + ' --- |' * 6]
    ok = {}
    for name, r in record['results'].items():
        if 'error' in r:
            lines.append(f"| {name} | error: {r['error'][:80]} | | | | |")
            continue
        ok[name] = r['images_per_s']
        syncs = r.get('syncs_per_step') or {}
        lines.append(f"| {name} | {_f(r['images_per_s'], 1)} | {_f(r['ms_per_step'], 1)} "
                     f"| {_f(r.get('peak_mem_gib'), 1)} | {syncs.get('count', '–')} "
                     f"| {r.get('optim_wrapper', '')} |")
    lines += ['', '| ratio | value |', '| --- | --- |']
    lines += [f'| {k} | {v:.3f} |' for k, v in record['ratios'].items()]
    best_plugin = max((v for k, v in ok.items() if k.startswith('plugin')), default=None)
    best_plain = max((v for k, v in ok.items() if k.startswith('plain')), default=None)
    best_plugin_bf16 = max((v for k, v in ok.items() if k.startswith('plugin_bf16')),
                           default=None)
    vs_plain = best_plugin / best_plain if best_plugin and best_plain else None
    vs_byol = (best_plugin_bf16 / ok['byol_bf16']
               if best_plugin_bf16 and ok.get('byol_bf16') else None)
    gpu = _on_gpu(record)
    lines += ['', 'Targets:',
              _target(f"best plugin step ≥ {TARGETS['step_vs_best_plain']}× best plain loop",
                      f'{_f(vs_plain, 3)}×', gpu, vs_plain,
                      _at_least(vs_plain, TARGETS['step_vs_best_plain'])),
              _target(f"best plugin bf16 step ≥ {TARGETS['step_vs_byol_bf16']}× mmpretrain BYOL "
                      'bf16', f'{_f(vs_byol, 3)}×', gpu, vs_byol,
                      _at_least(vs_byol, TARGETS['step_vs_byol_bf16']))]
    return lines


def cifar_tables(record: Dict) -> List[str]:
    lines = header(record)
    dev, cpu, knn = record['device_path'], record.get('cpu_worker_path', {}), record['knn']
    lines += ['| epochs | batch | precision | device-path s | device-path images/s '
              '| CPU-worker images/s (loader alone) | device / CPU-worker | k-NN top-1 % '
              '| 200 epochs, projected s |',
              '|' + ' --- |' * 9,
              f"| {record['epochs']} | {record['batch']} | {record['amp']} "
              f"| {_f(dev['train_seconds'], 1)} | {_f(dev['images_per_s'], 0)} "
              f"| {_f(cpu.get('images_per_s'), 0)} ({_f(cpu.get('loader_only_images_per_s'), 0)}) "
              f"| {_f(record.get('device_over_cpu_worker'))}× | {_f(knn['knn_top1'])} "
              f"| {_f(dev.get('projected_seconds_200_epochs'), 0)} |"]
    if record.get('knn_baselines'):
        b = record['knn_baselines']
        lines += ['', 'The same k-NN on raw pixels: ' + _f(b['raw_pixels']) + ' %, centred pixels: '
                  + _f(b['centred_pixels']) + ' %, the untrained network (same seed): '
                  + _f(b['random_init']) + ' %'
                  + (f" ({b['note']})" if b.get('note') else '') + '.']
    if record.get('budget'):
        b = record['budget']
        lines += ['', f"Epochs chosen for a {b['time_budget_s']:.0f} s budget from a probe of "
                      f"{b['step_seconds'] * 1e3:.1f} ms/step (at most {b['max_epochs']})."]
    t = record['target']
    applies = t.get('applies', False)
    projected = dev.get('projected_seconds_200_epochs')
    on_gpu_full_set = _on_gpu(record) and t.get('full_training_set', applies)
    lines += ['', 'Targets:',
              _target(f"{t['epochs']} epochs projected from the steady epoch time ≤ "
                      f"{t['seconds']:.0f} s", f"{_f(projected, 0)} s", on_gpu_full_set,
                      projected, _at_most(projected, t['seconds'])),
              _target(f"{t['epochs']} epochs in ≤ {t['seconds']:.0f} s",
                      f"{_f(dev['train_seconds'], 1)} s", applies, dev['train_seconds'],
                      t.get('met_time')),
              _target(f"≥ {t['images_per_s']:.0f} images/s", _f(dev['images_per_s'], 0), applies,
                      dev['images_per_s'], t.get('met_throughput')),
              _target(f"k-NN (k = {knn['k']}, T = {knn['temperature']}, cosine) ≥ "
                      f"{t['knn_top1']} %", f"{_f(knn['knn_top1'])} %", applies,
                      knn['knn_top1'], t.get('met_accuracy'))]
    return lines


RENDER = dict(mec_loss=mec_loss_tables, train_step=train_step_tables,
              cifar_time_to_accuracy=cifar_tables)


def render(record: Dict) -> str:
    kind = record.get('benchmark')
    if kind not in RENDER:
        raise ValueError(f"not a record of the speed benchmarks (benchmark = {kind!r}; "
                         f"expected one of {sorted(RENDER)})")
    return '\n'.join(RENDER[kind](record)) + '\n'


# ----------------------------------------------------------------------------------------
# Tables of measured figures in the user docs, rendered from the records.

# protocols, named where a figure is shown
KNN_SMALL = 'k-NN k = 20 / 200, T = 0.07, 20,000-image memory'
KNN_H200 = 'k-NN k = 200, T = 0.1, 50,000-image memory'
NET_SMALL = 'quarter-width CIFAR ResNet-18 (128-d)'
NET_FULL = 'CIFAR ResNet-18 (512-d)'

REC = dict(
    fm_main='docs/runs/quickstart_fashion-mnist_knn_{}.json',
    fm_runs='benchmarks/results/cpu_2026-11-30_fashion_mnist_runs/runs.json',
    h200='benchmarks/results/h200_2026-11-30/cifar_tta.json',
    same_budget='docs/results/cifar10_same_budget.json',
    superseded='benchmarks/results/cpu_2026-12-01_same_budget_superseded/rows.json',
    seed1='benchmarks/results/cpu_2026-12-01_recipe_screen/mec_5e_seed1.json',
    seed2='benchmarks/results/cpu_2026-12-06_mec_seeds/seed2.json',
    six_epochs='docs/results/cifar10_mec_simclr_6e.json',
    scenes_transfer='docs/results/fashion_mnist_scenes_transfer.json',
    scenes_record='benchmarks/results/cpu-avx2_2026-12-07_fashion_mnist_scenes/{}.json',
    scenes_record_10e='benchmarks/results/cpu-avx2_2026-12-07_fashion_mnist_scenes_10e/{}.json',
    scenes_record_sup10e=('benchmarks/results/cpu-avx2_2026-12-07_fashion_mnist_scenes_det4e_sup10e/'
                          '{}.json'),
    profile_step='benchmarks/results/cpu-avx2_2026-12-07_profile_step/{}.json',
    fm_simclr='benchmarks/results/cpu-avx2_2026-12-07_fashion_mnist_simclr_10e/{}.json',
    fm_cissl='benchmarks/results/cpu-avx2_2026-12-08_fashion_mnist_cissl_10e/{}.json',
    fm_dissl='benchmarks/results/cpu-avx2_2026-12-08_fashion_mnist_dissl_10e/{}.json',
)
# the comparators pre-trained at the quick start's budget for the transfer table: their name in
# the tables, their record and the stem of its files (knn_<stem>, linear_<stem>, davis_<stem>)
FM_COMPARATORS = (
    ('CISSL', 'fm_cissl', 'cissl10e'),
    ('DISSL', 'fm_dissl', 'dissl10e'),
    ('SimCLR (mmpretrain)', 'fm_simclr', 'simclr10e'),
)
SAME_BUDGET_CMD = ('python benchmarks/cifar_same_budget.py --epochs 5 --batch 128 --keep-step-lr '
                   '--methods {}')
# what the same-budget harness changes in every config it runs
SAME_BUDGET_OVERRIDES = ('the whole training split (a subset in the config is dropped), 5 epochs, '
                         'batch 128 at the config\'s lr per step, the shared k-NN memory')
METHOD_NAMES = {'SimCLR': 'SimCLR (mmpretrain)', 'BYOL': 'BYOL (mmpretrain)',
                'SimSiam': 'SimSiam (mmpretrain)', 'BarlowTwins': 'Barlow Twins (mmpretrain)'}


def _load(key: str, root: str = ROOT, name: Optional[str] = None):
    """The record ``REC[key]``; ``name`` fills the '{}' of a key that names several."""
    path = REC[key] if name is None else REC[key].format(name)
    with open(os.path.join(root, path)) as f:
        return json.load(f)


def _two(a: float, b: float) -> str:
    return f'{a:.2f} / {b:.2f}'


def _pm(row: Dict, key: str) -> str:
    """A same-budget row's figure: 'mean ± s.d.' for several seeds, else the value."""
    sd = row.get(key + '_std')
    return f'{row[key]:.2f}' + ('' if sd is None else f' ± {sd:.2f}')


def _link(path: str, doc: str) -> str:
    """A markdown link to ``path`` (repository-relative) from the doc ``doc``."""
    rel = os.path.relpath(path, os.path.dirname(doc) or '.')
    return f'[{os.path.basename(path.rstrip("/")) or path}]({rel})'


def fashion_mnist_main(root: str = ROOT) -> Dict[str, tuple]:
    """{row: (k20, k200)} of the main job's four k-NN runs."""
    out = {}
    for name in ('trained', 'random_init', 'raw_pixels', 'centred_pixels'):
        knn = _load('fm_main', root, name)['weighted_knn']
        out[name] = (knn['k=20,T=0.07'], knn['k=200,T=0.07'])
    return out


def fm_runs(root: str = ROOT) -> Dict[str, Dict]:
    return {r['name']: r for r in _load('fm_runs', root)['runs']}


def same_budget(root: str = ROOT) -> Dict[str, Dict]:
    return {r['method']: r for r in _load('same_budget', root)}


def mec_seeds(root: str = ROOT) -> List[tuple]:
    """(k20, k200) of the MEC 5-epoch config at seeds 0, 1, 2."""
    seed0 = same_budget(root)['MEC']
    rows = [(seed0['knn_top1_k20'], seed0['knn_top1_k200'])]
    for key in ('seed1', 'seed2'):
        r = _load(key, root)['rows'][0]
        rows.append((r['knn_top1_k20'], r['knn_top1_k200']))
    return rows


def _mean_sd(values: List[float]) -> str:
    """'mean ± sample s.d.', or the one value of a single run."""
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def seeds_summary(root: str = ROOT) -> str:
    rows = mec_seeds(root)
    return f'{_mean_sd([r[0] for r in rows])} / {_mean_sd([r[1] for r in rows])}'


def random_init_of(row: Dict, sb: Dict[str, Dict]) -> str:
    """The untrained network's k-NN of a same-budget row, 'k20 / k200' or 'k20 / –'.

    The harness records each method's untrained network at k = 20 (the first point of
    its curve, ``start_k20``); the 'random init' row (MEC's network) has both k. A row
    whose network starts where MEC's does (the same k = 20 to the last digit: the same
    network and seed) gets that row's pair."""
    start = row.get('start_k20')
    if start is None:
        return '–'
    ref = sb['random init']
    if abs(start - ref['knn_top1_k20']) < 1e-9:
        return _two(ref['knn_top1_k20'], ref['knn_top1_k200'])
    return f'{start:.2f} / –'


def h200(root: str = ROOT) -> Dict:
    r = _load('h200', root)
    b = r['knn_baselines']
    return dict(trained=r['knn']['knn_top1'], raw=b['raw_pixels'], centred=b['centred_pixels'],
                random=b['random_init'], epochs=r['epochs'], seconds=r['device_path']['train_seconds'],
                device=r['device'], command=r['command'], k=r['knn']['k'],
                T=r['knn']['temperature'])


def table_readme_results(doc: str, root: str = ROOT) -> List[str]:
    fm, g, sb = fashion_mnist_main(root), h200(root), same_budget(root)
    raw, cen, rnd = (sb[k] for k in ('raw pixels', 'centred pixels', 'random init'))
    sb_base = (f"{_two(raw['knn_top1_k20'], raw['knn_top1_k200'])} | "
               f"{_two(cen['knn_top1_k20'], cen['knn_top1_k200'])}")
    lines = ['| data, method, budget | network | k-NN protocol | trained | raw pixels '
             '| centred pixels | random init (same network) |', '|' + ' --- |' * 7]
    lines.append(f"| CIFAR-10, MEC, {g['epochs']} epochs on one {g['device'].replace('NVIDIA ', '')} "
                 f"({g['seconds']:.0f} s) | {NET_FULL} | k = {g['k']}, T = {g['T']}, 50,000-image "
                 f"memory | **{g['trained']:.2f}** | {g['raw']:.2f} | {g['centred']:.2f} "
                 f"| {g['random']:.2f} |")
    lines.append(f"| Fashion-MNIST, MEC, 10 epochs on 2 CPU cores (the quick start) | {NET_SMALL}, "
                 f"one input channel | {KNN_SMALL} | {_two(*fm['trained'])} "
                 f"| {_two(*fm['raw_pixels'])} "
                 f"| **{_two(*fm['centred_pixels'])}** | {_two(*fm['random_init'])} |")
    for method, extra in (('MEC', f' (three seeds: {seeds_summary(root)})'), ('CISSL', ''),
                          ('SimCLR', '')):
        r = sb[method]
        name = METHOD_NAMES.get(method, method)
        lines.append(f"| CIFAR-10, {name}, 5 epochs at batch 128 on 2 CPU cores (the same-budget "
                     f"comparison) | {NET_SMALL} | {KNN_SMALL} | "
                     f"{'**' if method == 'MEC' else ''}{_two(r['knn_top1_k20'], r['knn_top1_k200'])}"
                     f"{'**' if method == 'MEC' else ''}{extra} | {sb_base} "
                     f"| {random_init_of(r, sb)} |")
    return lines


def table_same_budget(doc: str, root: str = ROOT) -> List[str]:
    sb = same_budget(root)
    superseded = {r['method']: r for r in _load('superseded', root)}
    lines = ['| method | k = 20 | k = 200 | random init, same network | training s '
             '| config the harness started from |', '|' + ' --- |' * 6]
    trained = sorted((r for r in sb.values() if r['images_seen']), key=lambda r: -r['knn_top1_k20'])
    rows = [(METHOD_NAMES.get(r['method'], r['method']), r) for r in trained]
    rows += [('SimSiam, mmpretrain\'s own heads and SGD', superseded['SimSiam']),
             ('CMC, the official memory bank', superseded['CMC'])]
    rows += [(f'*{k}*' + (' (MEC\'s network)' if k == 'random init' else ''), sb[k])
             for k in ('centred pixels', 'raw pixels', 'random init')]
    rows.sort(key=lambda nr: -nr[1]['knn_top1_k20'])
    for name, r in rows:
        bold = '**' if r is sb.get('MEC') else ''
        wall = f"{r['wall_s']:.0f}" if r['images_seen'] else ''
        cfg = f"`{r['config']}`" if r['images_seen'] else ''
        start = random_init_of(r, sb) if r['images_seen'] else ''
        lines.append(f"| {name} | {bold}{_pm(r, 'knn_top1_k20')}{bold} "
                     f"| {bold}{_pm(r, 'knn_top1_k200')}{bold} | {start} | {wall} | {cfg} |")
    return lines


def table_mec_seeds(doc: str, root: str = ROOT) -> List[str]:
    rows = mec_seeds(root)
    lines = ['| MEC, `mec_resnet18-w16_1xb128-5e_cifar10.py`, 5 epochs | k = 20 | k = 200 | record |',
             '|' + ' --- |' * 4]
    records = [REC['same_budget'], REC['seed1'], REC['seed2']]
    for seed, (row, rec) in enumerate(zip(rows, records)):
        lines.append(f'| seed {seed} | {row[0]:.2f} | {row[1]:.2f} | {_link(rec, doc)} |')
    lines.append(f'| mean ± sample s.d. | {_mean_sd([r[0] for r in rows])} '
                 f'| {_mean_sd([r[1] for r in rows])} | |')
    return lines


def simclr_knn(root: str = ROOT) -> Tuple[float, float]:
    """k = 20 / 200 of mmpretrain's SimCLR after the quick start's 10 epochs."""
    return tuple(_load('fm_simclr', root, 'knn_simclr10e')['weighted_knn'].values())


def table_fashion_mnist(doc: str, root: str = ROOT) -> List[str]:
    fm, runs = fashion_mnist_main(root), fm_runs(root)
    lines = ['| Fashion-MNIST, 10 epochs, 2 CPU cores | k = 20 | k = 200 | config |',
             '|' + ' --- |' * 4]
    cfg = lambda r: f"`{os.path.basename(r['config'])}`"  # noqa: E731
    lines.append(f"| MEC (the quick start) | {fm['trained'][0]:.2f} | {fm['trained'][1]:.2f} "
                 f"| `mec_resnet18-w16_1xb256-10e_fashion-mnist.py` |")
    for key, name in (('mec_wd1e-5', 'MEC, the official weight decay 1e-5'),
                      ('cissl', 'CISSL'), ('mocosmall', 'MoCo-small'), ('dissl', 'DISSL')):
        r = runs[key]
        lines.append(f"| {name} | {r['k20']:.2f} | {r['k200']:.2f} | {cfg(r)} |")
    simclr = _load('fm_simclr', root, 'run')
    lines.append(f"| SimCLR (mmpretrain; MEC's network; float32 on a CPU without native bf16) "
                 f"| {' | '.join(f'{v:.2f}' for v in simclr_knn(root))} | {cfg(simclr)} |")
    lines.append(f"| *raw pixels* | {fm['raw_pixels'][0]:.2f} | {fm['raw_pixels'][1]:.2f} | |")
    lines.append(f"| *centred pixels* | **{fm['centred_pixels'][0]:.2f}** "
                 f"| **{fm['centred_pixels'][1]:.2f}** | |")
    lines.append(f"| *random init, MEC's network* (residual branches zero-initialised) "
                 f"| {fm['random_init'][0]:.2f} | {fm['random_init'][1]:.2f} | |")
    r = runs['random_init_standard']
    lines.append(f"| *random init, the comparators' network* (standard initialisation) "
                 f"| {r['k20']:.2f} | {r['k200']:.2f} | |")
    return lines


def table_mec_simclr_6e(doc: str, root: str = ROOT) -> List[str]:
    rec = _load('six_epochs', root)
    names = {'MEC, 6 epochs, wd 5e-4': 'MEC, weight decay 5e-4 (the config as shipped)',
             'MEC, 6 epochs': 'MEC, weight decay 1e-5 (the official value)',
             'SimCLR, 6 epochs': 'SimCLR (mmpretrain)',
             'random init': "random init (MEC's network)"}
    lines = ['| CIFAR-10, 6 epochs at batch 256 | k = 20 | k = 200 | training s |', '|' + ' --- |' * 4]
    for r in sorted(rec['rows'], key=lambda r: -r['knn_top1_k20']):
        name = names.get(r['variant'], r['variant'])
        if not r['images_seen']:
            name = f'*{name}*'
        wall = f"{r['wall_s']:.0f}" if r.get('wall_s') else ''
        lines.append(f"| {name} | {r['knn_top1_k20']:.2f} | {r['knn_top1_k200']:.2f} | {wall} |")
    return lines


def table_cifar10_h200(doc: str, root: str = ROOT) -> List[str]:
    g = h200(root)
    return [f"| CIFAR-10, {KNN_H200} | top-1 |", '| --- | --- |',
            f"| MEC, {g['epochs']} epochs (student backbone) | **{g['trained']:.2f}** |",
            f"| *raw pixels* | {g['raw']:.2f} |", f"| *centred pixels* | {g['centred']:.2f} |",
            f"| *random init* (the same network and seed) | {g['random']:.2f} |"]


# ---- the model zoo: one row per shipped pre-training config
ZOO_DIRS = ('mec', 'dissl', 'cissl', 'moco_small', 'cmc', 'baselines', 'mmselfsup')
DATA_NAMES = {'in1k': 'ImageNet-1k', 'cifar10': 'CIFAR-10', 'fashion-mnist': 'Fashion-MNIST',
              'cifar10_mmselfsup': 'CIFAR-10'}


def _zoo_measured(root: str, doc: str) -> Dict[str, Dict]:
    """{config: dict(measured, time, command)} for the configs a record measured."""
    fm, runs, g, sb = fashion_mnist_main(root), fm_runs(root), h200(root), same_budget(root)
    pix = f"raw {_two(*fm['raw_pixels'])}, centred {_two(*fm['centred_pixels'])}"
    out = {}
    out['configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py'] = dict(
        hardware='2 CPU cores', measured=f"{_two(*fm['trained'])} ({KNN_SMALL}; {pix}, "
        f"random init {_two(*fm['random_init'])})", time='14 min 26 s',
        command='`bash tools/quickstart.sh`')
    std = runs['random_init_standard']
    for key in ('cissl', 'dissl', 'mocosmall'):
        r = runs[key]
        out[r['config']] = dict(
            hardware='2 CPU cores', measured=f"{r['k20']:.2f} / {r['k200']:.2f} ({KNN_SMALL}; {pix}, "
            f"random init {std['k20']:.2f} / {std['k200']:.2f})", time=r['train_time'],
            command=f"`{r['command']}`")
    simclr = _load('fm_simclr', root, 'run')
    rnd = _load('fm_simclr', root, 'knn_random_init')['weighted_knn'].values()
    out[simclr['config']] = dict(
        hardware='2 CPU cores (AVX2)', measured=f"{_two(*simclr_knn(root))} ({KNN_SMALL}; {pix}, "
        f"random init {_two(*rnd)})", time=simclr['train_time'], command=f"`{simclr['command']}`")
    out['configs/mec/mec_resnet18_1xb512-200e_cifar10.py'] = dict(
        hardware=f"1 × {g['device'].replace('NVIDIA ', '')}", epochs=f"{g['epochs']} of 200",
        measured=f"{g['trained']:.2f} ({KNN_H200}; raw {g['raw']:.2f}, centred {g['centred']:.2f}, "
        f"random init {g['random']:.2f})", time=f"{g['seconds']:.0f} s",
        command='`python benchmarks/cifar_time_to_accuracy.py --device cuda --channels-last '
                '--time-budget 238`, with the warm-ups scaled to 2 of the 38 epochs (the script '
                'as shipped keeps them at 10)')
    raw, cen = sb['raw pixels'], sb['centred pixels']
    pixels = (f"raw {_two(raw['knn_top1_k20'], raw['knn_top1_k200'])}, "
              f"centred {_two(cen['knn_top1_k20'], cen['knn_top1_k200'])}")
    base = f"{pixels}, random init {random_init_of(sb['MEC'], sb)}"
    superseded = _load('superseded', root)
    for r in list(sb.values()) + superseded:
        if not r['images_seen']:
            continue
        name = r['method']
        seeds = f"; three seeds {seeds_summary(root)}" if name == 'MEC' else ''
        harness = r['config'].endswith('1xb128-5e_cifar10.py')
        command = f"`{SAME_BUDGET_CMD.format(name)}`" + ('' if harness else
                                                         ' (the harness overrides the config)')
        if r in superseded:  # the harness now runs another config for this method
            command = (f"{_link(REC['superseded'], doc)}: the harness ran this "
                       f"config for {name} before its 5-epoch config replaced it")
        out[r['config']] = dict(
            hardware='2 CPU cores', epochs='5' if harness else '5 (harness)',
            batch=None if harness else '1 × 128 (harness)',
            measured=f"{_two(r['knn_top1_k20'], r['knn_top1_k200'])}{seeds} ({KNN_SMALL}; {pixels}, "
                     f"random init {random_init_of(r, sb)})",
            time=f"{r['wall_s']:.0f} s", command=command)
    six = {r['variant']: r for r in _load('six_epochs', root)['rows']}['MEC, 6 epochs, wd 5e-4']
    out['configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py'] = dict(
        hardware='2 CPU cores', epochs='6 (`train_cfg.max_epochs=6`)',
        measured=f"{_two(six['knn_top1_k20'], six['knn_top1_k200'])} ({KNN_SMALL}; {base})",
        time=f"{six['wall_s']:.0f} s",
        command='`python benchmarks/recipe_sweep.py benchmarks/sweeps/cifar10_mec_simclr.json '
                '--config configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py --data-root data/cifar10`')
    return out


def _zoo_shape(path: str) -> Dict[str, str]:
    name = os.path.basename(path)[:-3]
    m = re.search(r'(\d+)xb(\d+)[-_](\d+)e', name)
    gpus, batch, epochs = m.groups() if m else ('', '', '')
    data = next((v for k, v in DATA_NAMES.items() if name.endswith(k)), '')
    if path == 'configs/mec_r50_8xb64_100e.py':
        data = 'ImageNet-1k'
    return dict(data=data, epochs=epochs, batch=f'{gpus} × {batch}' if m else '')


def table_model_zoo(doc: str, root: str = ROOT) -> List[str]:
    measured = _zoo_measured(root, doc)
    configs = ['configs/mec_r50_8xb64_100e.py']
    for d in ZOO_DIRS:
        configs += sorted(os.path.relpath(p, root).replace(os.sep, '/')
                          for p in glob.glob(os.path.join(root, 'configs', d, '*.py')))
    lines = ['| config | data | epochs | GPUs × batch | hardware | k-NN top-1 (beside its baselines) '
             '| time | reproduce |', '|' + ' --- |' * 8]
    for path in configs:
        shape, m = _zoo_shape(path), measured.get(path)
        if m is None:
            lines.append(f"| `{path}` | {shape['data']} | {shape['epochs']} | {shape['batch']} "
                         f"| | not run | | |")
        else:
            lines.append(f"| `{path}` | {shape['data']} | {m.get('epochs', shape['epochs'])} "
                         f"| {m.get('batch') or shape['batch']} | {m['hardware']} "
                         f"| {m['measured']} | {m['time']} "
                         f"| {m['command']} |")
    return lines


def _config_readme(method_dir: str) -> Callable:
    def render(doc: str, root: str = ROOT) -> List[str]:
        rows = [r for r in table_model_zoo(doc, root)[2:]
                if r.startswith(f'| `configs/{method_dir}/') and '| not run |' not in r]
        return ['| config | data | epochs | GPUs × batch | hardware | k-NN top-1 (beside its '
                'baselines) | time | reproduce |', '|' + ' --- |' * 8] + rows
    return render


def scenes_transfer_markdown(rows: List[Dict]) -> List[str]:
    """benchmarks/downstream_scenes.py's rows as a table: mean ± sample s.d. over the seeds,
    a column per initialisation (MEC, the other pre-trainings by name, random init,
    supervised) and pre-training length, and the gap of MEC's longest
    pre-training to random init beside the larger s.d."""
    def column(r):
        return r['init'], r.get('pretrain_epochs')

    # MEC first, then the other pre-trainings by name, then the references
    order = {'MEC': (0, ''), 'random init': (2, ''), 'supervised': (3, '')}
    cols = sorted({column(r) for r in rows},
                  key=lambda c: (*order.get(c[0], (1, c[0])), -(c[1] or 0)))
    names = [init if ep is None else f'{init} ({ep} ep)' for init, ep in cols]
    mec = next((c for c in cols if c[0] == 'MEC'), None)  # the longest pre-training first
    rnd = next((c for c in cols if c[0] == 'random init'), None)
    gap = mec is not None and rnd is not None
    keys = []
    for r in rows:
        if (r['task'], r['metric']) not in keys:
            keys.append((r['task'], r['metric']))
    lines = ['| task | metric | ' + ' | '.join(names)
             + (f' | {names[cols.index(mec)]} − random init' if gap else '') + ' | seeds |',
             '|' + ' --- |' * (len(cols) + 3 + gap)]
    for task, metric in keys:
        runs = {c: [r for r in rows if (r['task'], r['metric']) == (task, metric)
                    and column(r) == c] for c in cols}
        vals = {c: [r['value'] for r in runs[c]] for c in cols}
        seeds = sorted({r['seed'] for c in cols for r in runs[c]})

        def cell(c):  # a column with fewer seeds than the row names them
            if not runs[c]:
                return 'not run'
            own = sorted(r['seed'] for r in runs[c])
            if own == seeds:
                return _mean_sd(vals[c])
            return (f"{_mean_sd(vals[c])} (seed{'s' if len(own) > 1 else ''} "
                    f"{', '.join(map(str, own))})")
        cells = [cell(c) for c in cols]
        if gap:
            m, rn = vals[mec], vals[rnd]
            sds = [statistics.stdev(v) for v in (m, rn) if len(v) > 1]
            diff = f'{statistics.mean(m) - statistics.mean(rn):+.2f}' if m and rn else ''
            cells.append(diff + (f' (s.d. ≤ {max(sds):.2f})' if sds and diff else ''))
        lines.append(f'| {task} | {metric} | ' + ' | '.join(cells) + ' | '
                     + ', '.join(str(s) for s in seeds) + ' |')
    return lines


def table_scenes_transfer(doc: str, root: str = ROOT) -> List[str]:
    return scenes_transfer_markdown(_load('scenes_transfer', root)['rows'])


def table_scenes_pretraining(doc: str, root: str = ROOT) -> List[str]:
    """The transfer table's checkpoints on the pre-training data (k-NN, linear probe) and on
    the scenes' videos (label propagation), beside the random network and the pixels."""
    def mec(name):
        return _load('scenes_record_10e', root, name)

    def sup(name):
        return _load('scenes_record_sup10e', root, name)
    fm = fashion_mnist_main(root)
    # the MEC probe's run also probed the random network and the pixels
    lin = mec('linear_mec10e')['results']
    rows = [('MEC, 10 epochs (the quick start)', mec('knn_mec10e'), lin['trained']['top1'],
             mec('davis_mec10e_student')),
            *[(f'{name}, 10 epochs', _load(key, root, f'knn_{stem}'),
               _load(key, root, f'linear_{stem}')['results']['trained']['top1'],
               _load(key, root, f'davis_{stem}')) for name, key, stem in FM_COMPARATORS],
            ('supervised, 10 epochs', sup('knn_sup10e'),
             sup('linear_sup10e')['results']['trained']['top1'], sup('davis_sup10e'))]
    lines = ['| initialisation | k-NN k = 20 / 200 | linear probe top-1 | label propagation J&F |',
             '|' + ' --- |' * 4]
    for name, knn, top1, davis in rows:
        lines.append(f"| {name} | {_two(*knn['weighted_knn'].values())} | {top1:.2f} "
                     f"| {davis['summary']['J&F-Mean'] * 100:.2f} |")
    jf_random = _load('scenes_record', root, 'davis_random')['summary']['J&F-Mean'] * 100
    lines.append(f"| *random init, MEC's network* (residual branches zero-initialised) "
                 f"| {_two(*fm['random_init'])} | {lin['random init']['top1']:.2f} | {jf_random:.2f} |")
    # the comparators' network (SimCLR's is MEC's) starts with its residual branches live: a
    # stronger random baseline, measured beside CISSL's checkpoint
    def cissl(name):
        return _load('fm_cissl', root, name)
    lines.append("| *random init, the comparators' network* (standard initialisation) "
                 f"| {_two(*cissl('knn_random_init')['weighted_knn'].values())} "
                 f"| {cissl('linear_cissl10e')['results']['random init']['top1']:.2f} "
                 f"| {cissl('davis_random_init')['summary']['J&F-Mean'] * 100:.2f} |")
    lines.append(f"| *raw pixels* | {_two(*fm['raw_pixels'])} | {lin['pixels']['top1']:.2f} | |")
    return lines


# the parts of a quick-start iteration as benchmarks/profile_step.py names them,
# grouped as the table shows them
PROFILE_ROWS = (
    ('backward (student and predictor)', ('backward',)),
    ('teacher forward (2 views)', ('teacher forward',)),
    ('student backbone forward (2 views)', ('student backbone forward',)),
    ('projector, predictor and loss', ('student projector forward', 'head: predictor + loss')),
    ('views (data preprocessor)', ('views (data preprocessor)',)),
    ('optimizer step and zero_grad, teacher EMA',
     ('optimizer step', 'optimizer zero_grad', 'teacher EMA update')),
    ("the Runner's own: data loader, hooks, loop, loss bookkeeping",
     ('data loader', 'hooks', 'Runner loop, rest', 'loss bookkeeping (parse_losses)')),
)


def table_profile_step(doc: str, root: str = ROOT) -> List[str]:
    """Where an iteration of the quick start goes on a CPU without native bf16."""
    runs = (('fp32_2threads', 'float32, 2 threads'), ('fp32_1thread', 'float32, 1 thread'),
            ('bf16_2threads', 'bf16 forced, 2 threads'))
    records = [_load('profile_step', root, name) for name, _ in runs]
    recs = [r['runner'] for r in records]
    lines = ['| ms per iteration (batch 256) | ' + ' | '.join(label for _, label in runs) + ' |',
             '|' + ' --- |' * (len(runs) + 1)]
    for label, parts in PROFILE_ROWS:
        lines.append(f'| {label} | ' + ' | '.join(
            f"{sum(r['ms_per_iter'][p] for p in parts):,.1f}" for r in recs) + ' |')
    lines.append('| **whole iteration** | ' + ' | '.join(
        f"**{sum(r['ms_per_iter'].values()):,.0f}**" for r in recs) + ' |')
    lines.append('| images/s | ' + ' | '.join(f"{r['images_per_s']:.1f}" for r in recs) + ' |')
    lines.append('| Runner / plain loop (median of paired iterations) | ' + ' | '.join(
        f"{r['runner_over_plain']:.3f}" if r.get('runner_over_plain') else 'not run'
        for r in records) + ' |')
    return lines


DOC_TABLES: Dict[str, Callable] = {
    'readme-results': table_readme_results,
    'same-budget': table_same_budget,
    'mec-seeds': table_mec_seeds,
    'fashion-mnist': table_fashion_mnist,
    'mec-simclr-6e': table_mec_simclr_6e,
    'cifar10-h200': table_cifar10_h200,
    'model-zoo': table_model_zoo,
    'scenes-transfer': table_scenes_transfer,
    'scenes-pretraining': table_scenes_pretraining,
    'profile-step': table_profile_step,
}
for _d in ('mec', 'dissl', 'cissl', 'moco_small', 'cmc', 'baselines'):
    DOC_TABLES[f'configs-{_d}'] = _config_readme(_d)

RENDERED = re.compile(r'(<!-- rendered: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /rendered -->)',
                      re.S)


def doc_files(root: str = ROOT) -> List[str]:
    """The user docs that may hold rendered tables (repository-relative)."""
    files = ['README.md']
    files += glob.glob(os.path.join(root, 'docs', '**', '*.md'), recursive=True)
    files += glob.glob(os.path.join(root, 'configs', '*', 'README.md'))
    return sorted({os.path.relpath(os.path.join(root, f), root).replace(os.sep, '/') for f in files})


def render_doc(rel: str, text: str, root: str = ROOT) -> str:
    """``text`` (the doc ``rel``) with every rendered table rendered again."""
    def sub(m):
        name = m.group('name')
        if name not in DOC_TABLES:
            raise KeyError(f'{rel}: no table {name!r} (known: {sorted(DOC_TABLES)})')
        return m.group(1) + '\n'.join(DOC_TABLES[name](rel, root)) + '\n' + m.group(4)
    return RENDERED.sub(sub, text)


def check_docs(root: str = ROOT, write: bool = False) -> List[str]:
    """The docs whose rendered tables differ from their records (rewritten if ``write``)."""
    stale = []
    for rel in doc_files(root):
        path = os.path.join(root, rel)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        new = render_doc(rel, text, root)
        if new != text:
            stale.append(rel)
            if write:
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(new)
    return stale


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('records', nargs='*', help='JSON files written by the speed benchmarks')
    parser.add_argument('--check', action='store_true',
                        help='exit 1 if a rendered table in the docs differs from its records')
    parser.add_argument('--write', action='store_true', help='re-render the docs\' tables in place')
    args = parser.parse_args(argv)
    if args.check or args.write:
        stale = check_docs(write=args.write)
        verb = 're-rendered' if args.write else 'differs from its records'
        for rel in stale:
            print(f'{rel}: a rendered table {verb}', file=sys.stderr)
        if args.check and stale and not args.write:
            sys.exit(1)
        return ''
    if not args.records:
        parser.error('give the JSON records of the speed benchmarks, or --check / --write')
    text = '\n'.join(render(json.load(open(path))) for path in args.records)
    print(text)
    return text


if __name__ == '__main__':
    main()
