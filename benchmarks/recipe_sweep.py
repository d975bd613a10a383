"""Recipe sweep: train several variants of a config side by side and compare their
online k-NN, beside raw pixels, centred pixels and the untrained network.

    python benchmarks/recipe_sweep.py benchmarks/sweeps/fashion_mnist_mec.json \\
        --data-root data/fashion-mnist --jobs 4 --work-dir work_dirs/sweep \\
        --out sweep.json --markdown sweep.md

The sweep file is a JSON list of variants::

    {"name": "lr 1.0", "options": {"optim_wrapper.optimizer.lr": 1.0}}
    {"name": "SimCLR", "config": "configs/baselines/simclr_...py", "data_from": "base"}

Each variant starts from ``config`` (default: the sweep's ``--config``), optionally takes
the data (preprocessor, loaders, k-NN loaders and the backbone's input channels) of
another config (``data_from``; ``"base"`` means ``--config``), applies ``options``
(``--cfg-options`` keys) and runs ``tools/train.py`` in its own process with a
``KNNMonitorHook`` after every epoch. Up to ``--jobs`` variants run at once (on one GPU
they share the device: a small network is launch-bound, so several processes fill it).
``--deadline`` stops whatever still runs after that many seconds; its row keeps the last
online k-NN it logged, marked unfinished. A variant's figure is its monitor's k-NN after
its last epoch (student backbone, the config's k-NN memory and test split).
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _harness import dump_monitored, knn, online_curve, set_every  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
DEFAULT_CONFIG = 'configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py'
DATA_KEYS = ('data_preprocessor', 'train_dataloader', 'knn_data_preprocessor',
             'knn_train_dataloader', 'knn_test_dataloader')


def load_sweep(path: str) -> List[Dict]:
    with open(path) as f:
        variants = json.load(f)
    if not isinstance(variants, list) or not variants:
        raise ValueError(f'{path}: expected a non-empty JSON list of variants')
    names = set()
    for v in variants:
        unknown = set(v) - {'name', 'config', 'data_from', 'options'}
        if 'name' not in v or unknown:
            raise ValueError(f"{path}: every variant needs a 'name' and may have 'config', "
                             f"'data_from', 'options'; got {sorted(v)}")
        if v['name'] in names:
            raise ValueError(f"{path}: variant name '{v['name']}' is used twice")
        names.add(v['name'])
    return variants


def check_options(cfg, options: Dict, name: str) -> None:
    """Every option must name a key the config already has: a typo would add a new one."""
    from mmengine.config import Config
    for key in options:
        node = cfg
        for part in key.split('.'):
            if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, (dict, Config)) and part in node:
                node = node[part]
            else:
                raise ValueError(f"variant '{name}': option '{key}' is not in its config "
                                 f"('{part}' not found); a sweep only changes existing keys")


def variant_config(variant: Dict, args, work_dir: str) -> Dict:
    """The variant's config, dumped to ``work_dir/config.py``."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, variant.get('config', args.config)))
    source = variant.get('data_from')
    if source:
        data_cfg = Config.fromfile(osp.join(ROOT, args.config if source == 'base' else source))
        for key in DATA_KEYS:
            cfg[key] = data_cfg[key]
        # a backbone config without in_channels takes its type's default (3 for ResNets)
        channels = data_cfg.model.backbone.get('in_channels', 3)
        if channels != cfg.model.backbone.get('in_channels', 3):
            cfg.model.backbone.in_channels = channels
    if variant.get('options'):
        check_options(cfg, variant['options'], variant['name'])
        cfg.merge_from_dict(variant['options'])
    loader = cfg.train_dataloader
    if args.train_limit:
        loader.dataset = dict(type='SpreadSubset', num_samples=args.train_limit,
                              dataset=loader.dataset)
    if args.data_root:
        for split in ('train_dataloader', 'knn_train_dataloader', 'knn_test_dataloader'):
            set_every(cfg[split], 'data_root', args.data_root)
    if args.knn_train_limit:
        set_every(cfg.knn_train_dataloader, 'num_samples', args.knn_train_limit)
    path = dump_monitored(cfg, work_dir, args.log_interval, args.seed)
    return dict(path=path, epochs=cfg.train_cfg.max_epochs, batch=loader.batch_size)


_LENGTHS: Dict[str, int] = {}


def _pct(x) -> str:
    """A k-NN figure, or '-' where there is none (no epoch done; k above the memory)."""
    return '-' if x is None or x != x else f'{x:.2f}'


def images_per_epoch(config: str) -> int:
    """Training images per epoch as the loader sees them (the last partial batch dropped)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    import mec_plugin  # noqa: F401
    cfg = Config.fromfile(config)
    key = repr(cfg.train_dataloader.dataset)
    if key not in _LENGTHS:  # one decode per distinct dataset
        init_default_scope('mmpretrain')
        _LENGTHS[key] = len(DATASETS.build(cfg.train_dataloader.dataset))
    n = _LENGTHS[key]
    b = cfg.train_dataloader.batch_size
    return (n // b) * b if cfg.train_dataloader.get('drop_last', False) else n


def run_all(variants: List[Dict], args) -> List[Dict]:
    """Train every variant, ``--jobs`` at a time, until done or the deadline."""
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), PYTHONUNBUFFERED='1')
    for v in variants:  # every config is composed and checked before anything runs
        wd = osp.abspath(osp.join(args.work_dir, re.sub(r'[^A-Za-z0-9.+-]+', '_', v['name'])))
        info = variant_config(v, args, wd)
        info['images_per_epoch'] = images_per_epoch(info['path'])
        v.update(_info=info, _wd=wd)
    start = time.perf_counter()
    pending, running, rows = list(variants), {}, []

    def finish(v, proc, stopped: bool):
        info = v['_info']
        wall = time.perf_counter() - v['_t0']
        curve = online_curve(v['_wd'], info['images_per_epoch'])
        last = curve[-1] if curve else dict(k20=float('nan'), k200=float('nan'), images_seen=0)
        ok = not stopped and proc.returncode == 0 and len(curve) >= info['epochs']
        state = 'done' if ok else ('stopped' if stopped else 'failed')
        rows.append(dict(variant=v['name'], options=v.get('options', {}),
                         config=v.get('config', args.config), data_from=v.get('data_from'),
                         knn_top1_k20=last['k20'], knn_top1_k200=last['k200'],
                         images_seen=last['images_seen'], epochs=info['epochs'],
                         finished=ok, state=state, returncode=proc.returncode,
                         wall_s=round(wall, 1), curve=curve))
        said = dict(done='done', stopped='stopped at the deadline',
                    failed=f'FAILED (exit {proc.returncode}, see {v["_wd"]}/train.log)')[state]
        print(f"   {v['name']}: {said}, k-NN {_pct(last['k20'])} / {_pct(last['k200'])} "
              f"after {last['images_seen']:,} images, {wall:.0f} s", flush=True)

    while pending or running:
        out_of_time = args.deadline and time.perf_counter() - start > args.deadline
        while pending and len(running) < args.jobs and not out_of_time:
            v = pending.pop(0)
            info, wd = v['_info'], v['_wd']
            v['_t0'] = time.perf_counter()
            log = open(osp.join(wd, 'train.log'), 'w')
            print(f"== {v['name']}: {info['epochs']} epochs of {info['images_per_epoch']:,} "
                  f"images (batch {info['batch']})", flush=True)
            running[v['name']] = (v, log, subprocess.Popen(
                [sys.executable, 'tools/train.py', info['path'], '--work-dir', wd],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env))
        if out_of_time:
            for name, (v, log, proc) in list(running.items()):
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log.close()
                finish(v, proc, stopped=True)
            running.clear()
            rows += [dict(variant=v['name'], options=v.get('options', {}), finished=False,
                          state='not started', knn_top1_k20=float('nan'),
                          knn_top1_k200=float('nan'), images_seen=0,
                          note='not started before the deadline')
                     for v in pending]
            break
        for name, (v, log, proc) in list(running.items()):
            if proc.poll() is not None:
                log.close()
                finish(v, proc, stopped=False)
                del running[name]
        time.sleep(1)
    return rows


def baselines(args) -> List[Dict]:
    """Raw pixels, centred pixels and the untrained network under the same k-NN."""
    base_dir = osp.abspath(osp.join(args.work_dir, 'baselines'))
    base = variant_config(dict(name='baselines'), args, base_dir)['path']
    rows = []
    for label, extra in (('raw pixels', ['--pixels', 'raw']),
                         ('centred pixels', ['--pixels', 'centred']),
                         ('random init', ['--seed', str(args.seed)])):
        out = osp.join(base_dir, label.replace(' ', '_') + '.json')
        rows.append(dict(variant=label, finished=True, state='done', images_seen=0,
                         **knn(base, extra, out)))
    return rows


def markdown(rows: List[Dict]) -> str:
    lines = ['| variant | k-NN k = 20 | k-NN k = 200 | images seen | finished | wall s | changes |',
             '| --- | --- | --- | --- | --- | --- | --- |']

    def rank(r):  # best first; rows without a figure last
        x = r['knn_top1_k20']
        return -x if x is not None and x == x else 1.
    for r in sorted(rows, key=rank):
        changes = ', '.join(f'`{k}={v}`' for k, v in r.get('options', {}).items())
        if r.get('data_from'):
            changes = f"`{osp.basename(r['config'])}` on the base's data" + (
                ', ' + changes if changes else '')
        wall = f"{r['wall_s']:.0f}" if 'wall_s' in r else ''
        lines.append(f"| {r['variant']} | {_pct(r['knn_top1_k20'])} | {_pct(r['knn_top1_k200'])} "
                     f"| {r['images_seen']:,} | {'yes' if r['finished'] else 'no'} | {wall} "
                     f"| {changes} |")
    return '\n'.join(lines) + '\n'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('sweep', help='JSON list of variants (see the module docstring)')
    p.add_argument('--config', default=DEFAULT_CONFIG, help='the base config of the variants')
    p.add_argument('--data-root', help='data_root for every loader (default: the configs\')')
    p.add_argument('--jobs', type=int, default=1, help='variants trained at once')
    p.add_argument('--threads', type=int, default=1, help='OMP_NUM_THREADS of each run')
    p.add_argument('--deadline', type=float, help='stop everything after this many seconds')
    p.add_argument('--work-dir', default='work_dirs/sweep')
    p.add_argument('--out', help='JSON rows')
    p.add_argument('--markdown', help='the table in markdown')
    p.add_argument('--no-baselines', action='store_true', help='skip the pixel / random rows')
    p.add_argument('--train-limit', type=int, help='class-balanced training subset (dry runs)')
    p.add_argument('--knn-train-limit', type=int, help="k-NN memory size (default: the config's)")
    p.add_argument('--log-interval', type=int, default=50)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--force', action='store_true', help='overwrite --out / --markdown')
    args = p.parse_args(argv)
    for path in (args.out, args.markdown):
        if path and osp.exists(path) and not args.force:
            p.error(f'{path} exists: pass --force to overwrite it')
    if args.jobs < 1:
        p.error(f'--jobs must be >= 1, got {args.jobs}')
    if args.data_root:
        if not osp.isdir(args.data_root):
            p.error(f'--data-root {args.data_root} is not a folder')
        args.data_root = osp.abspath(args.data_root) + '/'
    try:
        args.variants = load_sweep(args.sweep)
    except (OSError, ValueError) as e:
        p.error(str(e))
    return args


def main(argv=None) -> List[Dict]:
    args = parse_args(argv)
    command = ' '.join(['python', 'benchmarks/recipe_sweep.py'] + (argv or sys.argv[1:]))
    t0 = time.perf_counter()
    try:
        rows = run_all(args.variants, args)
    except ValueError as e:  # a variant that does not compose: nothing has run
        sys.exit(f'recipe_sweep.py: {e}')
    if not args.no_baselines:
        rows += baselines(args)
    table = markdown(rows)
    print(table)
    print(f'sweep done in {time.perf_counter() - t0:.0f} s')
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(table)
    if args.out:
        if osp.dirname(args.out):
            os.makedirs(osp.dirname(args.out), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(command=command, rows=rows), f, indent=1)
    failed = [r['variant'] for r in rows if r.get('state') == 'failed']
    if failed:  # the table is written all the same; the exit status says it is incomplete
        sys.exit(f'recipe_sweep.py: {len(failed)} variant(s) failed: {", ".join(failed)}')
    return rows


if __name__ == '__main__':
    main()
