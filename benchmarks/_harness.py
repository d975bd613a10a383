"""What the training harnesses share (``cifar_same_budget.py``, ``recipe_sweep.py``): each
trains a config with ``tools/train.py`` in its own process, a k-NN monitor after every
epoch, and scores it with ``tools/analysis/knn_eval.py``."""
import glob
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))


def set_every(node, key: str, value) -> int:
    """Set ``key`` wherever it occurs in a nested config (dicts and lists); how many."""
    found = 0
    if isinstance(node, dict):
        for k in list(node):
            if k == key:
                node[k] = value
                found += 1
            else:
                found += set_every(node[k], key, value)
    elif isinstance(node, list):
        for v in node:
            found += set_every(v, key, value)
    return found


def dump_monitored(cfg, work_dir: str, log_interval: int, seed: int) -> str:
    """Checkpoint at the last epoch only, a k-NN monitor after every epoch (k = 20, 200),
    the seed; the config written to ``work_dir/config.py``, whose path is returned."""
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=cfg.train_cfg.max_epochs,
                                        max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=log_interval)
    hooks = [h for h in cfg.get('custom_hooks', []) if h['type'] != 'KNNMonitorHook']
    cfg.custom_hooks = hooks + [dict(type='KNNMonitorHook', interval=1, ks=(20, 200))]
    cfg.randomness = dict(seed=seed)
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, 'config.py')
    cfg.dump(path)
    return path


def run(cmd: List[str], log: str) -> float:
    """``cmd`` from the repository root, its output in ``log``; its wall seconds (a failure
    raises, with the end of the log)."""
    t0 = time.perf_counter()
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log) as f:
            tail = f.read()[-2000:]
        raise RuntimeError(
            f"{' '.join(cmd)} failed (exit {proc.returncode}); end of {log}:\n{tail}")
    return time.perf_counter() - t0


def _inputs_key(config: str, extra: List[str]) -> str:
    """What a k-NN run reads: the config file's bytes, the arguments and, for an argument
    that names a file (a checkpoint), its size and modification time."""
    h = hashlib.sha256()
    with open(config, 'rb') as f:
        h.update(f.read())
    for arg in extra:
        h.update(b'\0' + arg.encode())
        if osp.isfile(arg):
            st = os.stat(arg)
            h.update(f'\0{st.st_size}\0{st.st_mtime_ns}'.encode())
    return h.hexdigest()


def knn(config: str, extra: List[str], out: str, reuse: bool = False) -> Dict:
    """``tools/analysis/knn_eval.py`` on ``config`` (k = 20 and 200), its JSON in ``out``.

    With ``reuse``, an ``out`` written by an earlier call on the same inputs (the config
    file's bytes and the arguments: :func:`_inputs_key`, kept in ``out``'s ``.key`` file)
    is read back instead of evaluating again: the pixel and untrained-network rows, which
    a resumed run would otherwise recompute at every start.
    """
    cmd = [sys.executable, 'tools/analysis/knn_eval.py', config] + extra + [
        '--k', '20', '200', '--out', out]
    key, key_file = _inputs_key(config, extra), osp.splitext(out)[0] + '.key'
    earlier = None
    if reuse and osp.isfile(out) and osp.isfile(key_file):
        with open(key_file) as f:
            earlier = f.read().strip()
    if earlier != key:
        if osp.exists(key_file):  # out is about to change: its key no longer holds
            os.remove(key_file)
        run(cmd, osp.splitext(out)[0] + '.log')
        with open(key_file, 'w') as f:
            f.write(key + '\n')
    with open(out) as f:
        acc = json.load(f)['weighted_knn']
    return dict(knn_top1_k20=acc['k=20,T=0.07'], knn_top1_k200=acc['k=200,T=0.07'])


def online_curve(work_dir: str, images_per_epoch: int) -> List[Dict]:
    """The KNNMonitorHook's points (logged with step = epoch) from the scalars of the
    latest run in ``work_dir`` (an earlier run there keeps its own timestamped folder)."""
    points = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1:]:
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'knn/top1_k20' in rec:
                    points.append(dict(images_seen=rec['step'] * images_per_epoch,
                                       k20=rec['knn/top1_k20'], k200=rec.get('knn/top1_k200')))
    return points
