"""Same-budget comparison on CIFAR-10: each method's small config trained on the same
number of images, scored by the same k-NN, beside raw pixels, centred pixels and the
untrained network.

    python benchmarks/cifar_same_budget.py --epochs 5 --batch 128 --keep-step-lr \\
        --work-dir work_dirs/same_budget_5e --out docs/results/cifar10_same_budget.json \\
        --plot docs/results/cifar10_same_budget.png   # about 1 h 35 min on 2 CPU cores

Each method runs ``tools/train.py`` on its config with the whole training split
(``--train-limit`` for a class-balanced subset), ``train_cfg.max_epochs = --epochs``
(the configs' schedules follow it) and a ``KNNMonitorHook`` after every epoch, then
``tools/analysis/knn_eval.py`` on the last checkpoint (weighted cosine k-NN, k = 20 and
200, T = 0.07; for every row the same memory of 20,000 training images spread over the
classes and the whole test split, whatever a quick config uses). The pixel and
random-init rows are the same k-NN on the MEC config's data and network.

The outputs are rewritten after every method, so an interrupted run keeps what it
finished, and ``--resume`` reads those methods back instead of training them again (and
the pixel and random-init rows, when the data, k-NN memory and seed are the same). A
method that fails is reported and skipped; the exit status is then non-zero.

``--rows-from`` completes a table from an earlier one: the rows of that ``--out`` file
whose methods are not in ``--methods`` are copied (each keeps its own ``command``, which
says when and how it was made), after a check that each was trained at this budget.
That is how one method is trained again after its config changed, without the others'
hours. A copied row without the untrained network's k-NN (the first point of its curve)
gets it computed here.

``--seeds 0 1 2`` trains each method once per seed (``--work-dir/<method>/seed<S>/``; one
seed keeps ``--work-dir/<method>/``) and reports the mean: each JSON row gains ``seeds``,
``knn_top1_k20_std`` / ``knn_top1_k200_std`` (the sample standard deviation over the seeds,
null for one seed) and ``per_seed`` (each seed's k-NN and wall time); the markdown table
shows mean ± s.d., and the wall time of a row is the mean over its seeds. ``--resume``
reads back each seed that finished, so an interrupted run trains only what is missing.
The untrained network ('random init') is scored at every seed too.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import statistics
import sys
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _harness import ROOT, dump_monitored, knn, online_curve, run, set_every  # noqa: E402

METHODS = {
    'MEC': 'configs/mec/mec_resnet18-w16_1xb128-5e_cifar10.py',
    'DISSL': 'configs/dissl/dissl_resnet18-w16_1xb128-5e_cifar10.py',
    'CISSL': 'configs/cissl/cissl_resnet18-w16_1xb128-5e_cifar10.py',
    'MoCo-small': 'configs/moco_small/mocosmall_resnet18-w16_1xb128-5e_cifar10.py',
    'CMC': 'configs/cmc/cmc_resnet18-w8_1xb128-5e_cifar10.py',
    'BYOL': 'configs/baselines/byol_resnet18-w16_1xb128-5e_cifar10.py',
    'SimSiam': 'configs/baselines/simsiam_resnet18-w16_1xb128-5e_cifar10.py',
    'SimCLR': 'configs/baselines/simclr_resnet18-w16_1xb128-5e_cifar10.py',
    'BarlowTwins': 'configs/baselines/barlowtwins_resnet18-w16_1xb128-5e_cifar10.py',
}
IMAGE_EXT = ('.png', '.jpg', '.jpeg', '.bmp')


KNN_MEMORY = 20000  # training images spread over the classes, the k-NN memory of every row


def _without_subsets(dataset):
    """The dataset config with every ``SpreadSubset`` replaced by the dataset it wraps."""
    if isinstance(dataset, dict):
        if dataset.get('type') == 'SpreadSubset':
            return _without_subsets(dataset['dataset'])
        return type(dataset)({k: _without_subsets(v) for k, v in dataset.items()})
    return dataset


def shared_knn_protocol(cfg, memory: int) -> None:
    """Every row's k-NN on the same images: ``memory`` training images spread over the
    classes and the whole test split, whatever the method's quick config uses."""
    loader = cfg.knn_train_dataloader
    if not set_every(loader, 'num_samples', memory):
        loader.dataset = dict(type='SpreadSubset', num_samples=memory, dataset=loader.dataset)
    cfg.knn_test_dataloader.dataset = _without_subsets(cfg.knn_test_dataloader.dataset)


def count_images(data_root: str, split: str) -> int:
    return sum(f.lower().endswith(IMAGE_EXT)
               for _, _, files in os.walk(osp.join(data_root, split)) for f in files)


def method_config(name: str, args, work_dir: str, seed: Optional[int] = None) -> Dict:
    """The method's config at the shared budget, dumped to ``work_dir/config.py`` with
    ``seed`` (default ``args.seed``)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, METHODS[name]))
    loader = cfg.train_dataloader
    dataset = loader.dataset
    if dataset.type == 'SpreadSubset':  # the quick configs' subsets: use the whole split
        dataset = dataset.dataset
    if args.train_limit:
        dataset = dict(type='SpreadSubset', num_samples=args.train_limit, dataset=dataset)
    loader.dataset = dataset
    if args.batch:
        if args.keep_step_lr and cfg.get('auto_scale_lr', {}).get('enable'):
            # auto_scale_lr multiplies the lr by batch / base_batch_size: move the base with
            # the batch so each step keeps the config's lr (more steps, same lr)
            cfg.auto_scale_lr.base_batch_size *= args.batch / loader.batch_size
        loader.batch_size = args.batch
    for split in ('train_dataloader', 'knn_train_dataloader', 'knn_test_dataloader'):
        set_every(cfg[split], 'data_root', args.data_root)
    shared_knn_protocol(cfg, args.knn_train_limit or KNN_MEMORY)
    cfg.train_cfg.max_epochs = args.epochs
    path = dump_monitored(cfg, work_dir, args.log_interval, args.seed if seed is None else seed)
    drop_last = loader.get('drop_last', False)
    n = args.train_limit or count_images(args.data_root, 'train')
    per_epoch = (n // loader.batch_size) * loader.batch_size if drop_last else n
    return dict(path=path, images_per_epoch=per_epoch, batch=loader.batch_size)


def plot(rows: List[Dict], path: str, title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        if row.get('curve'):
            xs = [0] + [p['images_seen'] for p in row['curve']]
            ys = [row['start_k20']] + [p['k20'] for p in row['curve']]
            ax.plot(xs, ys, marker='o', label=row['method'])
    for row, style in zip([r for r in rows if r['method'] in ('raw pixels', 'centred pixels')],
                          (':', '--')):
        ax.axhline(row['knn_top1_k20'], color='grey', linestyle=style, label=row['method'])
    ax.set_xlabel('training images seen')
    ax.set_ylabel('k-NN top-1 (k = 20), %')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _mean_sd(row: Dict, key: str) -> str:
    """'mean ± s.d.' of a row over its seeds, or its one value."""
    sd = row.get(key + '_std')
    return f'{row[key]:.2f}' + ('' if sd is None else f' ± {sd:.2f}')


def markdown(rows: List[Dict]) -> str:
    """The table; with several seeds, mean ± sample s.d. and a column of the seeds."""
    several = any(len(r.get('seeds') or []) > 1 for r in rows)
    extra = ' seeds |' if several else ''
    lines = ['| method | k-NN k = 20 | k-NN k = 200 | images seen | wall s | config |' + extra,
             '| --- | --- | --- | --- | --- | --- |' + (' --- |' if several else '')]
    for r in sorted(rows, key=lambda r: -r['knn_top1_k20']):
        seeds = f" {', '.join(map(str, r.get('seeds') or [])) or '-'} |" if several else ''
        lines.append(f"| {r['method']} | {_mean_sd(r, 'knn_top1_k20')} "
                     f"| {_mean_sd(r, 'knn_top1_k200')} "
                     f"| {r['images_seen']:,} | {r['wall_s']:.0f} | `{r['config'] or '-'}` |"
                     + seeds)
    return '\n'.join(lines) + '\n'


def combine(runs: List[Dict], seeds: List[int]) -> Dict:
    """One row from the runs of a method (or the untrained network) at ``seeds``: the mean
    of each figure and of the curve, the sample s.d. of the k-NN (None for one seed), and
    each seed's figures."""
    row = dict(runs[0])
    row.pop('seed', None)
    per_seed = [dict(seed=s, **{k: r.get(k) for k in (
        'knn_top1_k20', 'knn_top1_k200', 'wall_s', 'start_k20') if k in r})
        for s, r in zip(seeds, runs)]
    for key in ('knn_top1_k20', 'knn_top1_k200', 'wall_s', 'start_k20'):
        values = [r.get(key) for r in runs]
        if all(v is not None for v in values):
            row[key] = statistics.mean(values)
    for key in ('knn_top1_k20', 'knn_top1_k200'):
        row[key + '_std'] = statistics.stdev(r[key] for r in runs) if len(runs) > 1 else None
    if len(runs) > 1 and all(r.get('curve') for r in runs):
        curves = [r['curve'] for r in runs]
        if len({tuple(p['images_seen'] for p in c) for c in curves}) == 1:
            row['curve'] = [dict(images_seen=points[0]['images_seen'],
                                 **{k: statistics.mean(p[k] for p in points)
                                    for k in ('k20', 'k200')
                                    if all(p.get(k) is not None for p in points)})
                            for points in zip(*curves)]
    row.update(seeds=list(seeds), per_seed=per_seed)
    return row


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    p.add_argument('--epochs', type=int, default=2, help='epochs of the training split, for all')
    p.add_argument('--data-root', default='data/cifar10',
                   help='an ImageFolder tree with train/ and test/')
    p.add_argument('--work-dir', default='work_dirs/same_budget')
    p.add_argument('--out', help='JSON rows (method, k-NN, images seen, wall time, command)')
    p.add_argument('--plot', help='PNG of the online k-NN against the images seen')
    p.add_argument('--markdown', help='the table in markdown')
    p.add_argument('--train-limit', type=int, help='class-balanced training subset')
    p.add_argument('--knn-train-limit', type=int,
                   help=f'k-NN memory size, for every row (default {KNN_MEMORY:,})')
    p.add_argument('--batch', type=int, help="batch size for every method (default: the config's)")
    p.add_argument('--keep-step-lr', action='store_true',
                   help="with --batch: each step keeps the config's lr (by default "
                        'auto_scale_lr scales it with the batch)')
    p.add_argument('--log-interval', type=int, default=50)
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument('--seeds', type=int, nargs='+', metavar='S',
                       help='train each method once per seed; the rows report the mean and '
                            'the sample s.d. (default: 0)')
    seeds.add_argument('--seed', type=int, help='one seed: the same as --seeds S')
    p.add_argument('--force', action='store_true', help='overwrite --out / --plot / --markdown')
    p.add_argument('--resume', action='store_true',
                   help='read back the methods that already finished in --work-dir at this '
                        'budget, and the pixel and random-init rows of the same data')
    p.add_argument('--rows-from', metavar='JSON',
                   help='an earlier --out file: its rows of methods not in --methods are copied')
    args = p.parse_args(argv)
    args.seeds = args.seeds or [0 if args.seed is None else args.seed]
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f'--seeds {" ".join(map(str, args.seeds))}: a seed is named twice')
    args.seed = args.seeds[0]  # the configs' seed where one is needed (the pixel rows' data)
    if args.rows_from and not osp.isfile(args.rows_from):
        p.error(f'--rows-from {args.rows_from}: no such file')
    for path in (args.out, args.plot, args.markdown):
        if path and osp.exists(path) and not args.force:
            p.error(f'{path} exists: pass --force to overwrite it')
    if args.keep_step_lr and not args.batch:
        p.error('--keep-step-lr goes with --batch')
    if args.epochs < 1:
        p.error(f'--epochs must be >= 1, got {args.epochs}')
    if not (osp.isdir(osp.join(args.data_root, 'train')) and osp.isdir(osp.join(args.data_root, 'test'))):
        p.error(f'--data-root {args.data_root} has no train/ and test/ folders (an ImageFolder '
                'tree of CIFAR-10: see docs/results.md)')
    args.data_root = osp.abspath(args.data_root)
    return args


def write_outputs(rows: List[Dict], args) -> str:
    """The table, plot and JSON of the rows so far (rewritten after every method, so an
    interrupted run keeps what it finished); the markdown table is returned."""
    trained = sorted((r for r in rows if r['images_seen']),
                     key=lambda r: list(METHODS).index(r['method']))
    order = trained + [r for r in rows if not r['images_seen']]
    table = markdown(order)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(table)
    if args.plot:
        batch = f' at batch {args.batch}' if args.batch else ''
        seeds = f', mean of {len(args.seeds)} seeds' if len(args.seeds) > 1 else ''
        plot(order, args.plot,
             f'CIFAR-10, {args.epochs} epochs each{batch}{seeds}, quarter-width ResNet-18')
    if args.out:
        if osp.dirname(args.out):
            os.makedirs(osp.dirname(args.out), exist_ok=True)
        keys = ('method', 'knn_top1_k20', 'knn_top1_k200', 'images_seen', 'wall_s', 'config',
                'command', 'curve', 'start_k20', 'seeds', 'knn_top1_k20_std',
                'knn_top1_k200_std', 'per_seed')
        with open(args.out, 'w') as f:
            json.dump([{k: r.get(k) for k in keys} for r in order], f, indent=1)
    return table


def baseline_rows(args, command: str) -> List[Dict]:
    """Raw pixels, centred pixels, random init: the same k-NN on the MEC config's data
    and (untrained) network. With ``--resume`` the figures of an earlier run on the same
    data, k-NN memory and seeds are read back."""
    base_dir = osp.abspath(osp.join(args.work_dir, 'baselines'))
    # at the config's batch whatever --batch: no row here trains, and so a run at another
    # batch reads these back
    base = method_config('MEC', argparse.Namespace(**dict(vars(args), batch=None)),
                         base_dir)['path']
    rows = []
    for label, extra in (('raw pixels', ['--pixels', 'raw']),
                         ('centred pixels', ['--pixels', 'centred'])):
        out = osp.join(base_dir, label.replace(' ', '_') + '.json')
        rows.append(dict(method=label, **knn(base, extra, out, reuse=args.resume),
                         images_seen=0, wall_s=0., config=None, command=command))
    runs = []
    for seed in args.seeds:  # the untrained network: once per seed
        name = 'random_init' + ('' if len(args.seeds) == 1 else f'_seed{seed}')
        runs.append(dict(method='random init', **knn(base, ['--seed', str(seed)],
                                                      osp.join(base_dir, name + '.json'),
                                                      reuse=args.resume),
                         images_seen=0, wall_s=0., config=METHODS['MEC'], command=command))
    rows.append(combine(runs, args.seeds))
    return rows


def seed_work_dir(args, name: str, seed: int) -> str:
    """``--work-dir/<method>`` for one seed, ``--work-dir/<method>/seed<S>`` for several."""
    wd = osp.join(args.work_dir, name)
    return osp.abspath(wd if len(args.seeds) == 1 else osp.join(wd, f'seed{seed}'))


def method_row(name: str, args, command: str) -> Dict:
    """Train one method at the shared budget once per seed and score it: the mean row."""
    return combine([seed_row(name, args, command, seed) for seed in args.seeds], args.seeds)


def seed_row(name: str, args, command: str, seed: int) -> Dict:
    """Train one method at the shared budget and seed, and score it; with ``--resume`` a
    finished run of the same config (budget, batch, data, seed included) is read back."""
    wd = seed_work_dir(args, name, seed)
    saved = osp.join(wd, 'row.json')
    info = method_config(name, args, wd, seed)
    label = name if len(args.seeds) == 1 else f'{name}, seed {seed}'
    images_seen = args.epochs * info['images_per_epoch']
    with open(info['path'], 'rb') as f:
        config_sha = hashlib.sha256(f.read()).hexdigest()
    if args.resume and osp.isfile(saved):
        with open(saved) as f:
            row = json.load(f)
        if row.get('config_sha256') == config_sha:
            print(f'== {label}: finished earlier, read from {saved}', flush=True)
            return row
        print(f'== {label}: {saved} is from another config, trained again', flush=True)
    print(f'== {label}: {args.epochs} epochs of {info["images_per_epoch"]:,} images '
          f'(batch {info["batch"]})', flush=True)
    wall = run([sys.executable, 'tools/train.py', info['path'], '--work-dir', wd],
               osp.join(wd, 'train.log'))
    ckpt = osp.join(wd, f'epoch_{args.epochs}.pth')
    row = dict(method=name, **knn(info['path'], [ckpt], osp.join(wd, 'knn.json')),
               images_seen=images_seen, wall_s=wall, config=METHODS[name], command=command,
               curve=online_curve(wd, info['images_per_epoch']))
    row['start_k20'] = knn(info['path'], [], osp.join(wd, 'knn_random_init.json'))['knn_top1_k20']
    row['config_sha256'] = config_sha
    row['seed'] = seed
    with open(saved, 'w') as f:
        json.dump(row, f, indent=1)
    print(f"   k-NN {row['knn_top1_k20']:.2f} / {row['knn_top1_k200']:.2f} (k = 20 / 200), "
          f'{wall:.0f} s', flush=True)
    return row


def copied_rows(args) -> List[Dict]:
    """The trained rows of ``--rows-from`` whose methods are not in ``--methods``, each
    checked against this budget (epochs x the images its config sees in an epoch here)."""
    with open(args.rows_from) as f:
        earlier = [r for r in json.load(f) if r.get('images_seen')]
    unknown = sorted({r['method'] for r in earlier} - set(METHODS))
    if unknown:
        raise SystemExit(f'--rows-from {args.rows_from}: unknown methods {unknown}')
    rows = []
    for row in [dict(r) for r in earlier if r['method'] not in args.methods]:
        name = row['method']
        if (row.get('seeds') or [args.seed]) != args.seeds:
            said = row.get('seeds') or 'not recorded'
            raise SystemExit(f'--rows-from {args.rows_from}: {name} was trained at seeds '
                             f'{said}, this table is at seeds {args.seeds}')
        wd = seed_work_dir(args, name, args.seed)
        info = method_config(name, args, wd)
        budget = args.epochs * info['images_per_epoch']
        if row['images_seen'] != budget:
            raise SystemExit(f'--rows-from {args.rows_from}: {name} saw {row["images_seen"]:,} '
                             f'images, this budget is {budget:,}')
        if row.get('start_k20') is None and row.get('curve'):
            row['start_k20'] = knn(info['path'], [], osp.join(wd, 'knn_random_init.json'))[
                'knn_top1_k20']
        print(f'== {name}: copied from {args.rows_from}', flush=True)
        rows.append(row)
    return rows


def main(argv=None) -> List[Dict]:
    args = parse_args(argv)
    command = ' '.join(['python', 'benchmarks/cifar_same_budget.py'] + (argv or sys.argv[1:]))
    rows = baseline_rows(args, command)  # first: they take a minute and frame every row
    if args.rows_from:
        rows += copied_rows(args)
    failed = []
    for name in args.methods:
        try:
            rows.append(method_row(name, args, command))
        except RuntimeError as e:  # one method's crash must not cost the others' hours
            print(f'== {name} FAILED: {e}', file=sys.stderr, flush=True)
            failed.append(name)
        table = write_outputs(rows, args)
    print(table)
    if failed:
        sys.exit(f'failed: {", ".join(failed)} (their logs are in {args.work_dir}/<method>/)')
    return rows


if __name__ == '__main__':
    main()
