"""Markdown tables (docs/benchmarks.md) and the issue-6 target checks from the
JSON records of the three speed benchmarks.

    python benchmarks/tables.py mec_loss.json train_step.json cifar_tta.json > tables.md

Each table is headed by the record's device, torch version, date and command;
each target line says the measured figure, the target and whether it was met
("n/a" where the record cannot decide it: a CPU or --quick run, or a path
that was not run).
"""
import argparse
import json
from typing import Dict, List, Optional

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


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('records', nargs='+', help='JSON files written by the benchmarks')
    args = parser.parse_args(argv)
    text = '\n'.join(render(json.load(open(path))) for path in args.records)
    print(text)
    return text


if __name__ == '__main__':
    main()
