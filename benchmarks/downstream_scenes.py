"""Transfer to detection, instance and semantic segmentation on the Fashion-MNIST scenes.

    python benchmarks/downstream_scenes.py --checkpoint work_dirs/quickstart/epoch_10.pth
        [--data-root data/fashion-mnist] [--scenes data/fashion_mnist_scenes]
        [--supervised-checkpoint CKPT] [--inits MEC random supervised]
        [--tasks detection segmentation] [--seeds 0 1] [--weights student|teacher]
        [--others NAME=CHECKPOINT ...]
        [--jobs 1] [--threads 2] [--work-dir work_dirs/downstream_scenes]
        [--out docs/results/fashion_mnist_scenes_transfer.json] [--rows-from JSON]
        [--rerun] [--collect-only]
        [--cfg-options K=V ...] [--supervised-cfg-options K=V ...]

One command for the whole table:

1. the scenes (``tools/dataset_converters/fashion_mnist_scenes.py``, from the
   Fashion-MNIST *test* images) are generated into ``--scenes`` unless they exist;
2. the supervised reference (``configs/benchmarks/classification/fashion_mnist/
   supervised_resnet18-w16_1xb256-10e_fashion-mnist.py``: the same 60,000 training images
   and 10 epochs as the main job) is trained unless ``--supervised-checkpoint`` is given or
   its work dir holds a finished run;
3. every (task, initialisation, seed) is fine-tuned with the same config and schedule:
   MEC, supervised and each of ``--others`` (e.g. the comparators' checkpoints) through
   ``tools/benchmarks/train.sh CONFIG CHECKPOINT`` (convert, then mmdet's / mmseg's own
   ``train.py``), random init through the host's ``train.py`` with the backbone's
   ``init_cfg`` removed;
4. the last validation of each run gives the figure: mmdet's ``CocoMetric``
   (``coco/bbox_mAP``, ``coco/segm_mAP``) and mmseg's ``IoUMetric`` (``mIoU``).

It writes ``--out`` (JSON: the machine and command, and one row per figure:
``task``, ``init`` (``MEC``, ``random init``, ``supervised`` or an ``--others`` name),
``pretrain_epochs``, ``metric``, ``value``, ``seed``, ``wall_s``,
``config``, ``command``) and the same path with ``.md``: the table of means and sample
standard deviations over the seeds, a column per initialisation and pre-training length
(``benchmarks/tables.py`` renders the docs' copies). ``pretrain_epochs`` is the epoch
the checkpoint was saved at (its ``meta``), ``null`` for random init.
A finished run is read again, not repeated, unless ``--rerun``; ``--collect-only``
tabulates the finished runs and trains nothing. ``--rows-from`` completes the table from
an earlier ``--out`` file: its rows that this call does not produce (another checkpoint,
another seed) are kept, each with its own command.
"""
import argparse
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import time
from typing import Dict, List, Optional

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _common import ROOT, env_info, write_json  # noqa: E402
from mec_plugin.utils.safe_checkpoint import load_from_local  # noqa: E402
from tables import scenes_transfer_markdown  # noqa: E402

DET_CONFIG = 'configs/benchmarks/mmdetection/fashion_mnist_scenes/' \
             'mask-rcnn_r18-w16-cifar_fpn_1xb8-4e_fmnist-scenes.py'
SEG_CONFIG = 'configs/benchmarks/mmsegmentation/fashion_mnist_scenes/' \
             'fpn_r18-w16-cifar_1xb8-4e_fmnist-scenes.py'
SUPERVISED_CONFIG = 'configs/benchmarks/classification/fashion_mnist/' \
                    'supervised_resnet18-w16_1xb256-10e_fashion-mnist.py'
GENERATOR = 'tools/dataset_converters/fashion_mnist_scenes.py'
#: task (as --tasks names it) -> config, host package, [(row task, metric key, row metric)]
TASKS = {
    'detection': (DET_CONFIG, 'mmdet', [('detection', 'coco/bbox_mAP', 'bbox_mAP'),
                                        ('instance segmentation', 'coco/segm_mAP', 'segm_mAP')]),
    'segmentation': (SEG_CONFIG, 'mmseg', [('semantic segmentation', 'mIoU', 'mIoU')]),
}
INIT_NAMES = {'MEC': 'MEC', 'random': 'random init', 'supervised': 'supervised'}


def init_name(init: str) -> str:
    """The table's name of an initialisation: ``--inits``'s, or an ``--others`` name as given."""
    return INIT_NAMES.get(init, init)


def _q(args: List[str]) -> str:
    """A shell command line, with paths inside the repository made relative to it."""
    return ' '.join(shlex.quote(osp.relpath(a, ROOT) if a.startswith(ROOT + os.sep) else a)
                    for a in args)


def host_train_py(pkg: str) -> str:
    """mmdet's / mmseg's own tools/train.py (shipped in the package's .mim/)."""
    module = __import__(pkg)
    return osp.join(osp.dirname(module.__file__), '.mim', 'tools', 'train.py')


def data_options(task: str, scenes: str) -> List[str]:
    """--cfg-options that point a scenes config at ``scenes``."""
    root = osp.abspath(scenes) + '/'
    opts = [f'{loader}.dataset.data_root={root}'
            for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    if task == 'detection':
        ann = root + 'annotations/instances_val.json'
        opts += [f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']
    return opts


def ensure_scenes(args) -> None:
    if osp.isfile(osp.join(args.scenes, 'meta.json')):
        print(f'scenes: {args.scenes} (exists)')
        return
    cmd = [sys.executable, GENERATOR, args.scenes, '--source', args.data_root]
    print(f'scenes: {_q(cmd)}', flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True, env=_env(args))


def _env(args) -> Dict[str, str]:
    path = os.environ.get('PYTHONPATH')
    return dict(os.environ, OMP_NUM_THREADS=str(args.threads), PYTHONUNBUFFERED='1',
                PYTHON=sys.executable, PYTHONPATH=ROOT + (os.pathsep + path if path else ''))


def ensure_supervised(args) -> str:
    """The supervised reference's checkpoint: given, found, or trained now."""
    if args.supervised_checkpoint:
        return args.supervised_checkpoint
    work_dir = osp.join(args.work_dir, 'supervised_pretrain')
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last) and not args.rerun:
        with open(last) as f:
            ckpt = f.read().strip()
        print(f'supervised reference: {ckpt} (exists)')
        return ckpt
    root = osp.abspath(args.data_root) + '/'
    cmd = [sys.executable, 'tools/train.py', SUPERVISED_CONFIG, '--work-dir', work_dir,
           '--cfg-options', f'train_dataloader.dataset.data_root={root}',
           f'knn_train_dataloader.dataset.dataset.dataset.data_root={root}',
           f'knn_test_dataloader.dataset.dataset.data_root={root}'] + args.supervised_cfg_options
    print(f'supervised reference: {_q(cmd)}', flush=True)
    t0 = time.time()
    subprocess.run(cmd, cwd=ROOT, check=True, env=_env(args),
                   stdout=subprocess.DEVNULL if args.quiet else None)
    print(f'supervised reference trained in {time.time() - t0:.0f} s')
    with open(last) as f:
        return f.read().strip()


def pretrain_epochs(checkpoint: Optional[str]) -> Optional[int]:
    """The epoch a Runner checkpoint was saved at (``meta.epoch``); None without one."""
    if checkpoint is None:
        return None
    meta = load_from_local(checkpoint, map_location='cpu').get('meta') or {}
    if not isinstance(meta.get('epoch'), int):
        raise ValueError(f'{checkpoint}: no meta.epoch in it (not a Runner checkpoint?): the '
                         "table names each initialisation's pre-training epochs")
    return meta['epoch']


def run_command(task: str, init: str, seed: int, checkpoint: Optional[str], args,
                epochs: Optional[int] = None) -> Dict:
    config, pkg, _ = TASKS[task]
    length = '' if epochs is None else f'_{epochs}ep'
    work_dir = osp.join(args.work_dir, task, f'{init}{length}_seed{seed}')
    opts = [f'randomness.seed={seed}'] + data_options(task, args.scenes) + args.cfg_options
    if init == 'random':
        cmd = [sys.executable, host_train_py(pkg), config, '--work-dir', work_dir,
               '--cfg-options', 'model.backbone.init_cfg=None'] + opts
        env_prefix = []
    else:
        cmd = ['bash', 'tools/benchmarks/train.sh', config, checkpoint, '--cfg-options'] + opts
        env_prefix = [f'WORK_DIR={work_dir}']
        if init == 'MEC' and args.weights == 'teacher':
            env_prefix.append('WEIGHTS=teacher')
    return dict(task=task, init=init, seed=seed, epochs=epochs, config=config,
                work_dir=work_dir, cmd=cmd,
                env=dict(e.split('=', 1) for e in env_prefix),
                command=_q(env_prefix + [c if c != sys.executable else 'python' for c in cmd]))


def last_scalars(work_dir: str) -> Dict[str, float]:
    """The metrics of the last validation logged under ``work_dir`` (newest run first)."""
    runs = sorted((d for d in os.listdir(work_dir) if osp.isfile(
        osp.join(work_dir, d, 'vis_data', 'scalars.json'))), reverse=True) \
        if osp.isdir(work_dir) else []
    for run in runs:
        found = {}
        with open(osp.join(work_dir, run, 'vis_data', 'scalars.json')) as f:
            for line in f:
                entry = json.loads(line)
                if any(k in entry for k in ('coco/bbox_mAP', 'mIoU')):
                    found = entry
        if found:
            return found
    return {}


def result_rows(run: Dict, scalars: Dict, wall_s: float) -> List[Dict]:
    rows = []
    for row_task, key, metric in TASKS[run['task']][2]:
        if key not in scalars:
            raise RuntimeError(f"{run['work_dir']}: the last validation logged no {key}")
        value = float(scalars[key])
        # CocoMetric logs mAP in [0, 1], IoUMetric mIoU in percent: both as percent here
        rows.append(dict(task=row_task, init=init_name(run['init']),
                         pretrain_epochs=run['epochs'], metric=metric,
                         value=round(value * 100 if key.startswith('coco/') else value, 2),
                         seed=run['seed'], wall_s=round(wall_s, 1), config=run['config'],
                         command=run['command']))
    return rows


def run_all(runs: List[Dict], args) -> List[Dict]:
    """Fine-tune every run (``--jobs`` at a time); rows in the order of ``runs``."""
    results: Dict[int, List[Dict]] = {}
    pending = []
    for i, run in enumerate(runs):
        done = osp.join(run['work_dir'], 'result.json')
        if osp.isfile(done) and not args.rerun:
            with open(done) as f:
                rows = json.load(f)
            if any(r.get('command') != run['command'] for r in rows):
                raise RuntimeError(
                    f"{done} was made by another command ({rows[0].get('command')}), not "
                    f"{run['command']}: another checkpoint or options. Pass --rerun to train "
                    'it again, or another --work-dir')
            results[i] = rows
            print(f"{run['task']} / {run['init']} / seed {run['seed']}: done before ({done})")
        else:
            pending.append((i, run))
    if args.collect_only:
        for _, run in pending:
            print(f"{run['task']} / {run['init']} / seed {run['seed']}: not run (--collect-only)")
        pending = []
    running = {}
    failed = []
    while pending or running:
        while pending and len(running) < args.jobs:
            i, run = pending.pop(0)
            os.makedirs(run['work_dir'], exist_ok=True)
            log = open(osp.join(run['work_dir'], 'train.log'), 'w')
            print(f"start {run['task']} / {run['init']} / seed {run['seed']}: {run['command']}",
                  flush=True)
            proc = subprocess.Popen(run['cmd'], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                    env=dict(_env(args), **run['env']))
            running[i] = (run, proc, log, time.time())
        time.sleep(1)
        for i in [i for i, (_, proc, _, _) in running.items() if proc.poll() is not None]:
            run, proc, log, t0 = running.pop(i)
            log.close()
            wall = time.time() - t0
            if proc.returncode != 0:
                failed.append(f"{run['task']} / {run['init']} / seed {run['seed']} (exit "
                              f"{proc.returncode}, log {run['work_dir']}/train.log)")
                print(f'FAILED {failed[-1]}', flush=True)
                continue
            rows = result_rows(run, last_scalars(run['work_dir']), wall)
            with open(osp.join(run['work_dir'], 'result.json'), 'w') as f:
                json.dump(rows, f, indent=1)
            results[i] = rows
            print(f"done {run['task']} / {run['init']} / seed {run['seed']} in {wall:.0f} s: "
                  + ', '.join(f"{r['metric']} {r['value']:.2f}" for r in rows), flush=True)
    if failed:
        raise RuntimeError('fine-tunes failed: ' + '; '.join(failed))
    return [row for i in sorted(results) for row in results[i]]


def _row_key(row: Dict):
    return row['task'], row['metric'], row['init'], row['pretrain_epochs'], row['seed']


def keep_earlier_rows(path: str, rows: List[Dict]):
    """``rows`` after the rows of the earlier ``--out`` file at ``path`` that they do not
    replace (same task, metric, initialisation, pre-training epochs and seed), and that
    file's ``meta``: the machine and checkpoints its rows came from."""
    with open(path) as f:
        earlier = json.load(f)
    missing = [r for r in earlier['rows'] if 'pretrain_epochs' not in r]
    if missing:
        raise ValueError(f'{path}: {len(missing)} rows without pretrain_epochs (written before '
                         'rows named their pre-training length): add it to them first')
    new = {_row_key(r) for r in rows}
    kept = [r for r in earlier['rows'] if _row_key(r) not in new]
    print(f'{path}: {len(kept)} earlier rows kept, {len(earlier["rows"]) - len(kept)} replaced')
    return kept + rows, dict(path=path, meta=earlier.get('meta'))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', help='the MEC pre-training checkpoint (the main job: '
                   'work_dirs/quickstart/epoch_10.pth); needed when --inits has MEC')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student',
                   help="the MEC checkpoint's student or EMA-teacher backbone")
    p.add_argument('--data-root', default='data/fashion-mnist',
                   help='the Fashion-MNIST IDX files (uncompressed, as the main job unpacks them)')
    p.add_argument('--scenes', default='data/fashion_mnist_scenes',
                   help='the scenes (generated here first when missing)')
    p.add_argument('--supervised-checkpoint', help='skip training the supervised reference')
    p.add_argument('--inits', nargs='+', choices=list(INIT_NAMES),
                   default=['MEC', 'random', 'supervised'])
    p.add_argument('--tasks', nargs='+', choices=list(TASKS), default=list(TASKS))
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--others', nargs='+', default=[], metavar='NAME=CHECKPOINT',
                   help="more pre-trainings, fine-tuned as MEC's checkpoint is, a column each "
                        '(the comparators: CISSL=work_dirs/cissl/epoch_10.pth ...)')
    p.add_argument('--jobs', type=int, default=1, help='fine-tunes at a time')
    p.add_argument('--threads', type=int, default=None,
                   help='OMP_NUM_THREADS of each run (default: the cores / --jobs)')
    p.add_argument('--work-dir', default='work_dirs/downstream_scenes')
    p.add_argument('--out', default='docs/results/fashion_mnist_scenes_transfer.json')
    p.add_argument('--rows-from', metavar='JSON',
                   help='an earlier --out file: its rows that this call does not produce are '
                        'kept (e.g. --out itself, to add a checkpoint or a seed to the table)')
    p.add_argument('--rerun', action='store_true', help='repeat runs that finished before')
    p.add_argument('--collect-only', action='store_true',
                   help='train nothing: tabulate the runs that finished before, leave out the rest')
    p.add_argument('--quiet', action='store_true', help="no supervised training log on stdout")
    p.add_argument('--cfg-options', nargs='+', default=[], metavar='K=V',
                   help='extra --cfg-options for every fine-tune')
    p.add_argument('--supervised-cfg-options', nargs='+', default=[], metavar='K=V',
                   help='extra --cfg-options for the supervised pre-training')
    args = p.parse_args(argv)
    if 'MEC' in args.inits and not args.checkpoint:
        p.error('--checkpoint is needed for the MEC rows (or leave MEC out of --inits)')
    for path in (args.checkpoint, args.supervised_checkpoint):
        if path and not osp.isfile(path):
            p.error(f'no such checkpoint: {path}')
    if args.collect_only and 'supervised' in args.inits and not args.supervised_checkpoint:
        p.error('--collect-only with supervised rows needs --supervised-checkpoint (the one '
                'the runs used)')
    args.others = parse_others(p, args.others)
    if args.rows_from and not osp.isfile(args.rows_from):
        p.error(f'--rows-from {args.rows_from}: no such file')
    if args.jobs < 1:
        p.error(f'--jobs must be >= 1, got {args.jobs}')
    if args.threads is None:
        args.threads = max(1, (os.cpu_count() or 1) // args.jobs)
    if not args.out.endswith('.json'):
        p.error(f'--out must name a .json file (the table goes beside it as .md), got {args.out}')
    return args


def parse_others(p, items: List[str]) -> Dict[str, str]:
    """``--others NAME=CHECKPOINT ...`` as {name: checkpoint}, in the order given."""
    others: Dict[str, str] = {}
    taken = set(INIT_NAMES) | set(INIT_NAMES.values())
    for item in items:
        name, sep, path = item.partition('=')
        if not sep or not path:
            p.error(f'--others {item}: give NAME=CHECKPOINT, e.g. CISSL=work_dirs/cissl/epoch_10.pth')
        if not re.fullmatch(r'[A-Za-z][A-Za-z0-9_.+-]*', name):
            p.error(f'--others {item}: the name {name!r} names a work dir: letters, digits and '
                    '_.+- only, a letter first')
        if name in taken or name in others:
            p.error(f'--others {item}: {name!r} is taken (by --inits or an earlier --others)')
        if not osp.isfile(path):
            p.error(f'--others {item}: no such checkpoint: {path}')
        others[name] = path
    return others


def main(argv=None) -> List[Dict]:
    args = parse_args(argv)
    meta = env_info(torch.device('cpu'))
    meta.update(threads_per_run=args.threads, jobs=args.jobs, scenes=args.scenes)
    ensure_scenes(args)
    with open(osp.join(args.scenes, 'meta.json')) as f:
        meta['scenes_meta'] = json.load(f)
    checkpoints = {'MEC': args.checkpoint, 'random': None, **args.others}
    if 'supervised' in args.inits:
        checkpoints['supervised'] = (args.supervised_checkpoint if args.collect_only
                                     else ensure_supervised(args))
    inits = list(args.inits) + list(args.others)
    epochs = {init: pretrain_epochs(checkpoints[init]) for init in inits}
    runs = [run_command(task, init, seed, checkpoints[init], args, epochs[init])
            for task in args.tasks for init in inits for seed in args.seeds]
    t0 = time.time()
    rows = run_all(runs, args)
    meta['wall_s'] = round(time.time() - t0, 1)
    meta['checkpoints'] = {init_name(k): checkpoints[k] for k in inits}
    if args.rows_from:
        rows, meta['rows_from'] = keep_earlier_rows(args.rows_from, rows)
    write_json(args.out, dict(meta=meta, rows=rows))
    table = '\n'.join(scenes_transfer_markdown(rows)) + '\n'
    with open(args.out[:-len('.json')] + '.md', 'w') as f:
        f.write(table)
    print(table)
    return rows


if __name__ == '__main__':
    main()
