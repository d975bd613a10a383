"""Time to accuracy of MEC ResNet-18 on CIFAR-10 on one device: a device-side
data path against the config's CPU-worker pipeline, in the same run.

    python benchmarks/cifar_time_to_accuracy.py --device cuda --epochs 200 \\
        --out work_dirs/bench/cifar_tta.json
    python benchmarks/cifar_time_to_accuracy.py --device cpu --quick --out /tmp/cifar.json

* Data: CIFAR-10 as an ImageFolder tree (``--data-root``, default
  ``data/cifar10``); when it is missing, ``cifar10-{train,test}.tar.gz`` from
  ``--tarballs`` (default ``.data`` then ``../shared/data``) are unpacked there.
* Device path: the whole training set as one uint8 tensor on the device; per
  step a random batch is indexed out and both views are made in batches by
  :mod:`mec_plugin.datasets.gpu_augment`, translated from the config's
  ``MultiView`` pipeline; then one iteration of MMEngine's ``Runner``
  (``benchmarks/_runner.py``) training the config's model and data
  preprocessor with its optim wrapper (scaled by ``auto_scale_lr``; on CUDA
  in bf16 with the plugin's ``BFloat16OptimWrapper``), its lr schedule per
  iteration and its custom hooks (MEC's 1/lambda warm-up and guards), the
  warm-ups at the config's length whatever ``--epochs``: the hooks' ``before_train_iter``,
  ``model.train_step(data, optim_wrapper)``, the hooks' ``after_train_iter``.
* CPU-worker path: the config's own ``train_dataloader`` (mmpretrain
  ``CustomDataset`` + PIL pipeline in ``num_workers`` processes) feeding the
  same kind of Runner for ``--cpu-iters`` steps (a separate model, so the
  device path's accuracy is not affected), and the loader alone.
* Result: wall time, images/s of both, k-NN top-1 of the device-path model's
  student backbone (k = 200, T = 0.1, cosine, exp weighting;
  ``mec_plugin.evaluation.knn_predict``) on the test split.
"""
import argparse
import copy
import glob
import math
import os
import os.path as osp
import sys
import tarfile
import time
from multiprocessing import Pool
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _common import (ROOT, configure_threads, env_info, peak_memory_gib,  # noqa: E402
                     reset_peak_memory, resolve_device, synchronize, write_json)
from _runner import index_loader, run_stepped  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/mec/mec_resnet18_1xb512-200e_cifar10.py')
TARGET = dict(epochs=200, seconds=600., images_per_s=17000., knn_top1=87.)


# --------------------------------------------------------------------------- data
def ensure_image_folder(data_root: str, tarballs: List[str]) -> str:
    if osp.isdir(osp.join(data_root, 'train')) and osp.isdir(osp.join(data_root, 'test')):
        return data_root
    for folder in tarballs:
        parts = [osp.join(folder, f'cifar10-{s}.tar.gz') for s in ('train', 'test')]
        if all(osp.exists(p) for p in parts):
            os.makedirs(data_root, exist_ok=True)
            for p in parts:
                with tarfile.open(p) as tar:
                    tar.extractall(data_root, filter='data')
            return data_root
    raise FileNotFoundError(f'no CIFAR-10 ImageFolder at {data_root} and no cifar10-*.tar.gz in '
                            f'{tarballs} (see docs/dev/benchmarks.md)')


def list_split(data_root: str, split: str, limit: Optional[int]) -> Tuple[List[str], List[int]]:
    """Files and labels of a split; with ``limit``, a class-balanced subset."""
    classes = sorted(d for d in os.listdir(osp.join(data_root, split))
                     if osp.isdir(osp.join(data_root, split, d)))
    per_class = [sorted(glob.glob(osp.join(data_root, split, c, '*'))) for c in classes]
    if limit is not None:
        k = max(1, limit // len(classes))
        per_class = [f[:k] for f in per_class]
    files = [f for fs in per_class for f in fs]
    labels = [i for i, fs in enumerate(per_class) for _ in fs]
    return files, labels


def _read_rgb(path: str) -> np.ndarray:
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'), dtype=np.uint8)


def load_images(files: List[str], workers: int) -> torch.Tensor:
    """[N, 3, H, W] uint8 RGB."""
    if workers > 1 and len(files) > 1000:
        with Pool(workers) as pool:
            arrays = pool.map(_read_rgb, files, chunksize=256)
    else:
        arrays = [_read_rgb(f) for f in files]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


# --------------------------------------------------------------------------- model
def load_config(args):
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.quick:  # a narrow CIFAR ResNet-18 and heads
        w, d = 8, 32
        cfg.model.backbone.update(stem_channels=w, base_channels=w)
        cfg.model.neck.update(in_channels=w * 8, hid_channels=d, out_channels=d)
        cfg.model.head.predictor.update(in_channels=d, hid_channels=d // 4, out_channels=d)
    if args.compile:
        # `model.compile=True`: backbone, projector, teacher and loss compiled
        cfg.model.compile = True
    cfg.model.data_preprocessor = cfg.data_preprocessor
    return cfg


def schedule(cfg, epochs: int, iters_per_epoch: int) -> Tuple[List[dict], List[dict]]:
    """The config's lr schedule and custom hooks for ``epochs`` epochs of ``iters_per_epoch``
    iterations, per iteration.

    The warm-ups keep the config's length: its warm-up epochs of this run's iterations (the
    same images), whatever ``epochs`` is. Scaling them with the run, as a fraction of it,
    would squeeze a 10-epoch warm-up to 2 in a 38-epoch run, and a recipe found at one
    length would not be the recipe at another. A warm-up longer than the run is cut at its
    end; the rest of the schedule fills the run after the warm-up.
    """
    total = epochs * iters_per_epoch

    def iters(warmup_epochs):
        return min(total, max(1, int(warmup_epochs * iters_per_epoch)))

    first, *rest = (dict(s) for s in copy.deepcopy(cfg.param_scheduler))
    by_epoch = first.get('by_epoch', True)  # mmengine's default
    warmup = iters(first['end']) if by_epoch else min(total, first['end'])

    def per_iter(s, begin, end):
        s = {k: v for k, v in s.items() if k != 'convert_to_iter_based'}
        s.update(by_epoch=False, begin=begin, end=end)
        if 'T_max' in s:
            s['T_max'] = end - begin
        return s

    lr = [per_iter(first, 0, warmup)] + [per_iter(s, warmup, total) for s in rest
                                         if total > warmup]
    # each hook's own warm-up (MEC's 1/lambda), unless the config gives it in iterations
    hooks = [dict(h, warmup_iters=iters(h['warmup_epochs']))
             if 'warmup_epochs' in h and h.get('warmup_iters') is None else dict(h)
             for h in cfg.custom_hooks]
    return lr, hooks


def run_training(cfg, args, device, loader, epochs: int, body: Callable):
    """``body(loop)`` as an MMEngine Runner's training of the config's model (its
    preprocessor, optim wrapper at ``--batch`` through ``auto_scale_lr``, lr schedule and
    1/lambda warm-up at the config's length, per iteration: :func:`schedule`); returns
    (runner, its result)."""
    ow = copy.deepcopy(cfg.optim_wrapper.to_dict())
    if args.amp == 'bf16':
        # what `tools/train.py --amp --amp-dtype bfloat16` builds: bf16
        # autocast without a loss scaler (and its per-step sync)
        ow.update(type='BFloat16OptimWrapper', cpu_precision='bf16')
    lr, hooks = schedule(cfg, epochs, len(loader))
    return run_stepped(cfg, body, loader, epochs, device=device,
                       channels_last=args.channels_last, optim_wrapper=ow, param_scheduler=lr,
                       custom_hooks=hooks, seed=args.seed, log_level='ERROR')


# --------------------------------------------------------------------------- paths
def _iters_per_epoch(n: int, batch: int) -> int:
    if n // batch < 1:
        raise ValueError(f'--batch {batch} is larger than the {n} training images')
    return n // batch  # drop_last, as the config's loader


class _DeviceData:
    """The device path's data: the training set on the device and the config's views
    as batched transforms."""

    def __init__(self, cfg, args, device, train_bgr: torch.Tensor, seed: int) -> None:
        from mec_plugin.datasets.gpu_augment import multiview_from_pipeline
        self.views = multiview_from_pipeline(cfg.train_pipeline)
        self.n, self.batch_size = train_bgr.shape[0], args.batch
        self.iters_per_epoch = _iters_per_epoch(self.n, args.batch)
        self.data = train_bgr.to(device)
        self.g = torch.Generator(device=device).manual_seed(seed)

    def loader(self):
        """What the Runner reads of the data: the epoch's length and the batch size."""
        return index_loader(self.n, self.batch_size)

    def batch(self, idx: torch.Tensor) -> dict:
        rgb = self.data[idx].flip(1)
        # the preprocessor's to_rgb flips BGR -> RGB: hand it BGR, as LoadImageFromFile does
        inputs = [v(rgb, self.g).flip(1) for v in self.views]
        return dict(inputs=inputs, data_samples=None)


def probe_step_seconds(cfg, args, device, train_bgr: torch.Tensor, warmup: int = 3,
                       steps: int = 10) -> float:
    """Seconds per device-path step, timed on a throwaway model (``--time-budget``)."""
    data = _DeviceData(cfg, args, device, train_bgr, args.seed + 1)

    def body(loop):
        with loop.epoch():
            for it in range(warmup + steps):
                if it == warmup:
                    synchronize(device)
                    t0 = time.perf_counter()
                loop.step(data.batch(torch.randint(0, data.n, (args.batch,), device=device,
                                                   generator=data.g)))
            synchronize(device)
        return (time.perf_counter() - t0) / steps

    return run_training(cfg, args, device, data.loader(), args.epochs, body)[1]


def device_path(cfg, args, device, train_bgr: torch.Tensor) -> Dict:
    data = _DeviceData(cfg, args, device, train_bgr, args.seed)
    iters_per_epoch = data.iters_per_epoch

    def body(loop):
        reset_peak_memory(device)
        epoch_s, loss = [], None
        synchronize(device)
        t0 = time.perf_counter()
        for epoch in range(args.epochs):
            te = time.perf_counter()
            with loop.epoch():
                perm = torch.randperm(data.n, device=device, generator=data.g)
                for b in range(iters_per_epoch):
                    loss = loop.step(data.batch(perm[b * args.batch:(b + 1) * args.batch]))
            synchronize(device)
            epoch_s.append(time.perf_counter() - te)
            if args.log_every and (epoch + 1) % args.log_every == 0:
                print(f'epoch {epoch + 1}/{args.epochs}: {epoch_s[-1]:.2f} s, loss {loss:.4f}',
                      flush=True)
        train_s = time.perf_counter() - t0
        images = iters_per_epoch * args.batch * args.epochs
        return dict(train_seconds=train_s, images_per_s=images / train_s, iters=loop.iter,
                    iters_per_epoch=iters_per_epoch, epoch_seconds=epoch_s,
                    final_loss=float(loss), peak_mem_gib=peak_memory_gib(device))

    runner, out = run_training(cfg, args, device, data.loader(), args.epochs, body)
    out['loss_finite'] = math.isfinite(out['final_loss'])
    return runner.model, out


def cpu_worker_path(cfg, args, device, data_root: str) -> Dict:
    """The config's DataLoader (CPU workers) feeding train steps, and the loader alone."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader.to_dict())
    loader_cfg['batch_size'] = args.batch
    loader_cfg['num_workers'] = args.cpu_workers if args.cpu_workers is not None \
        else loader_cfg['num_workers']
    loader_cfg['persistent_workers'] = loader_cfg['num_workers'] > 0
    loader_cfg['pin_memory'] = device.type == 'cuda'
    loader_cfg['dataset']['data_root'] = data_root
    if args.train_limit is not None:
        loader_cfg['dataset'] = dict(type='SpreadSubset', num_samples=args.train_limit,
                                     dataset=loader_cfg['dataset'])
    loader = Runner.build_dataloader(loader_cfg, seed=args.seed)
    total = args.cpu_warmup + args.cpu_iters

    def body(loop):
        def batches():  # the loader's, epoch after epoch, each epoch the loop's
            while True:
                with loop.epoch():
                    yield from loader

        t0, stream = None, batches()
        for it, data in zip(range(total), stream):
            if it == args.cpu_warmup:
                synchronize(device)
                t0 = time.perf_counter()
            loop.step(data)
        synchronize(device)
        stream.close()
        return time.perf_counter() - t0

    step_s = run_training(cfg, args, device, loader, args.epochs, body)[1]
    # the loader alone: can the workers keep up at all?
    it, t1, batches = 0, None, iter(loader)
    while it < total:
        try:
            next(batches)
        except StopIteration:
            batches = iter(loader)
            continue
        if it == args.cpu_warmup:
            t1 = time.perf_counter()
        it += 1
    loader_s = time.perf_counter() - t1
    del loader, batches
    return dict(images_per_s=args.batch * args.cpu_iters / step_s,
                loader_only_images_per_s=args.batch * args.cpu_iters / loader_s,
                iters=args.cpu_iters, warmup=args.cpu_warmup,
                num_workers=loader_cfg['num_workers'])


@torch.no_grad()
def knn_top1(model, cfg, train_rgb, train_labels, test_rgb, test_labels, device, args) -> Dict:
    from mec_plugin.evaluation import knn_predict
    mean = torch.tensor(cfg.data_preprocessor.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(cfg.data_preprocessor.std, device=device).view(1, 3, 1, 1)
    backbone = model.backbone
    backbone.eval()

    def feats(images):
        out = []
        for i in range(0, images.shape[0], 1024):
            x = (images[i:i + 1024].to(device).float() - mean) / std
            if args.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            out.append(backbone(x)[-1].float().mean(dim=(2, 3)))
        return torch.cat(out)

    t0 = time.perf_counter()
    train_f, test_f = feats(train_rgb), feats(test_rgb)
    k = min(args.knn_k, train_f.shape[0])
    pred = knn_predict(train_f, train_labels.to(device), test_f, k=k, metric='cosine',
                       weighting='exp', temperature=args.knn_t, num_classes=10)
    acc = 100.0 * (pred.cpu() == test_labels).float().mean().item()
    return dict(knn_top1=acc, k=k, temperature=args.knn_t, metric='cosine', weighting='exp',
                num_train=int(train_f.shape[0]), num_test=int(test_f.shape[0]),
                seconds=time.perf_counter() - t0)


@torch.no_grad()
def knn_baselines(cfg, args, device, train_rgb, train_labels, test_rgb, test_labels) -> Dict:
    """The same k-NN on the pixels themselves (raw, and centred on the training
    set's mean image) and on the untrained network of the same seed: what a
    trained backbone's figure is read against."""
    from mec_plugin.evaluation import knn_predict
    out = {}
    train_x, test_x = train_rgb.flatten(1).float(), test_rgb.flatten(1).float()
    k = min(args.knn_k, train_x.shape[0])
    for name, shift in (('raw_pixels', None), ('centred_pixels', train_x.mean(0))):
        a, b = (train_x, test_x) if shift is None else (train_x - shift, test_x - shift)
        pred = knn_predict(a.to(device), train_labels.to(device), b.to(device), k=k,
                           metric='cosine', weighting='exp', temperature=args.knn_t,
                           num_classes=10)
        out[name] = 100.0 * (pred.cpu() == test_labels).float().mean().item()
    # the device path's Runner, same seed, without a step: the trained run's start
    loader = index_loader(train_rgb.shape[0], args.batch)
    model = run_training(cfg, args, device, loader, args.epochs, lambda loop: None)[0].model
    out['random_init'] = knn_top1(model, cfg, train_rgb, train_labels, test_rgb, test_labels,
                                  device, args)['knn_top1']
    return out


def choose_epochs(cfg, args, device, train_rgb: torch.Tensor, t_start: float) -> Dict:
    """Set ``args.epochs`` to what fits the time left of ``--time-budget``.

    The k-NN pass and its baselines are given the time of about three training
    epochs (each encodes 60,000 images once, without a backward pass) and 10 % of the rest is kept
    as a margin for the epoch-to-epoch spread.
    """
    step_s = probe_step_seconds(cfg, args, device, train_rgb.flip(1))
    epoch_s = step_s * _iters_per_epoch(train_rgb.shape[0], args.batch)
    left = args.time_budget - (time.perf_counter() - t_start)
    fit = int(0.9 * (left - 3 * epoch_s) // epoch_s)
    cap = args.epochs
    args.epochs = max(1, min(cap, fit))
    return dict(time_budget_s=args.time_budget, seconds_left_after_probe=left,
                step_seconds=step_s, estimated_epoch_seconds=epoch_s, max_epochs=cap,
                epochs_chosen=args.epochs, fits=fit >= 1)


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='auto')
    parser.add_argument('--quick', action='store_true',
                        help='320 training / 200 test images, 1 epoch, a narrow network, '
                             'batch 32, 2 CPU-pipeline steps')
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data/cifar10'))
    parser.add_argument('--tarballs', nargs='+',
                        default=[osp.join(ROOT, '.data'), osp.join(ROOT, '..', 'shared', 'data')])
    parser.add_argument('--epochs', type=int,
                        help='epochs to train; with --time-budget, the most it may choose')
    parser.add_argument('--time-budget', type=float, metavar='SECONDS',
                        help='choose the number of epochs from a timed probe so that the whole '
                             'script (data, CPU-worker path, training, k-NN) fits in SECONDS')
    parser.add_argument('--batch', type=int, help="default: the config's (512)")
    parser.add_argument('--amp', choices=('bf16', 'fp32'),
                        help='default bf16 on CUDA, fp32 on the CPU')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--compile', action='store_true',
                        help='model.compile=True: backbone, projector, teacher and loss compiled')
    parser.add_argument('--train-limit', type=int, help='class-balanced training subset')
    parser.add_argument('--test-limit', type=int, help='class-balanced test subset')
    parser.add_argument('--skip-cpu-path', action='store_true')
    parser.add_argument('--cpu-iters', type=int)
    parser.add_argument('--cpu-warmup', type=int)
    parser.add_argument('--cpu-workers', type=int, help="default: the config's num_workers")
    parser.add_argument('--load-workers', type=int, default=min(16, os.cpu_count() or 1),
                        help='processes decoding the images into the device tensor')
    parser.add_argument('--knn-k', type=int, default=200)
    parser.add_argument('--knn-t', type=float, default=0.1)
    parser.add_argument('--threads', type=int, help='CPU threads (default 1 on the CPU)')
    parser.add_argument('--log-every', type=int, default=10, help='epochs between prints')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out')
    args = parser.parse_args(argv)
    quick = dict(epochs=1, batch=32, train_limit=320, test_limit=200, cpu_iters=2, cpu_warmup=1,
                 cpu_workers=0)
    full = dict(epochs=200, batch=None, train_limit=None, test_limit=None, cpu_iters=50,
                cpu_warmup=10, cpu_workers=None)
    for k, v in (quick if args.quick else full).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.time_budget is not None and args.time_budget <= 0:
        raise ValueError(f'--time-budget must be > 0 seconds, got {args.time_budget}')
    for name in ('epochs', 'cpu_iters', 'knn_k'):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


def main(argv=None) -> Dict:
    args = parse_args(argv)
    device = resolve_device(args.device)
    configure_threads(device, args.threads)
    args.amp = args.amp or ('bf16' if device.type == 'cuda' else 'fp32')
    torch.backends.cudnn.benchmark = True
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine', log_level='ERROR')
    from mmengine.registry import init_default_scope
    import mec_plugin  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = load_config(args)
    args.batch = args.batch or cfg.train_dataloader.batch_size
    record = dict(benchmark='cifar_time_to_accuracy', **env_info(device), quick=args.quick,
                  config=osp.relpath(args.config, ROOT), epochs=args.epochs, batch=args.batch,
                  amp=args.amp, channels_last=args.channels_last, compile=args.compile,
                  head_mode=cfg.model.head.mode)
    t_start = time.perf_counter()
    data_root = ensure_image_folder(args.data_root, args.tarballs)
    t0 = time.perf_counter()
    train_files, train_labels = list_split(data_root, 'train', args.train_limit)
    test_files, test_labels = list_split(data_root, 'test', args.test_limit)
    train_rgb = load_images(train_files, args.load_workers)
    test_rgb = load_images(test_files, args.load_workers)
    record['data'] = dict(root=osp.relpath(data_root, ROOT), num_train=len(train_files),
                          num_test=len(test_files), load_seconds=time.perf_counter() - t0)
    print(f"loaded {len(train_files)} train / {len(test_files)} test images in "
          f"{record['data']['load_seconds']:.1f} s", flush=True)
    if not args.skip_cpu_path:
        record['cpu_worker_path'] = cpu_worker_path(cfg, args, device, data_root)
        print(f"CPU-worker pipeline: {record['cpu_worker_path']['images_per_s']:.1f} images/s "
              f"(loader alone {record['cpu_worker_path']['loader_only_images_per_s']:.1f})",
              flush=True)
    if args.time_budget is not None:
        record['budget'] = choose_epochs(cfg, args, device, train_rgb, t_start)
        record['epochs'] = args.epochs
        print(f"time budget {args.time_budget:.0f} s: {record['budget']['step_seconds'] * 1e3:.1f} "
              f"ms/step in the probe, {args.epochs} epochs", flush=True)
    model, res = device_path(cfg, args, device, train_rgb.flip(1))
    if len(res['epoch_seconds']) > 1:  # the first epoch holds the warm-up (cudnn autotuning)
        steady = sum(res['epoch_seconds'][1:]) / (len(res['epoch_seconds']) - 1)
    else:
        steady = res['epoch_seconds'][0]
    res['projected_seconds_200_epochs'] = 200 * steady
    record['device_path'] = res
    print(f"device path: {args.epochs} epochs in {res['train_seconds']:.1f} s, "
          f"{res['images_per_s']:.1f} images/s; 200 epochs would take "
          f"{res['projected_seconds_200_epochs']:.0f} s", flush=True)
    record['knn'] = knn_top1(model, cfg, train_rgb, torch.tensor(train_labels), test_rgb,
                             torch.tensor(test_labels), device, args)
    print(f"k-NN top-1 (k={record['knn']['k']}, T={args.knn_t}, cosine): "
          f"{record['knn']['knn_top1']:.2f} %", flush=True)
    record['knn_baselines'] = knn_baselines(cfg, args, device, train_rgb, torch.tensor(train_labels),
                                            test_rgb, torch.tensor(test_labels))
    print('same k-NN, baselines: ' + ', '.join(f'{k} {v:.2f} %'
                                                for k, v in record['knn_baselines'].items()),
          flush=True)
    record['total_seconds'] = time.perf_counter() - t_start
    if 'cpu_worker_path' in record:
        record['device_over_cpu_worker'] = (res['images_per_s']
                                            / record['cpu_worker_path']['images_per_s'])
    full_set = device.type == 'cuda' and not args.quick and args.train_limit is None
    record['target'] = dict(TARGET, full_training_set=full_set,
                            applies=full_set and args.epochs == TARGET['epochs'])
    if record['target']['applies']:
        record['target'].update(
            met_time=res['train_seconds'] <= TARGET['seconds'],
            met_throughput=res['images_per_s'] >= TARGET['images_per_s'],
            met_accuracy=record['knn']['knn_top1'] >= TARGET['knn_top1'])
    write_json(args.out, record)
    return record


if __name__ == '__main__':
    main()
