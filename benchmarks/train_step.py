"""Training-step throughput of MEC ResNet-50 in the plugin, against a plain
PyTorch loop written the way the official code is and mmpretrain's BYOL.

    python benchmarks/train_step.py --device cuda --out work_dirs/bench/train_step.json
    python benchmarks/train_step.py --device cpu --quick --out /tmp/train_step.json

All paths see the same synthetic uint8 views (two [B, 3, S, S] tensors in
host memory, pinned on a GPU machine, as a DataLoader with pin_memory would
deliver them) and report images/s (B images = 2B views per step) and, on
CUDA, the peak allocated memory.

* ``plugin``: the headline config (``configs/mec_r50_8xb64_100e.py``) trained
  by MMEngine's ``Runner`` (``benchmarks/_runner.py``): its model (SyncBN
  reverted to BN on one process) with its data preprocessor, its optim wrapper
  scaled by ``auto_scale_lr`` (for bf16 the plugin's ``BFloat16OptimWrapper``,
  what ``tools/train.py --amp --amp-dtype bfloat16`` builds), its lr schedule
  and custom hooks (MEC's 1/lambda warm-up and guards), with
  ``RuntimeInfoHook`` and ``ParamSchedulerHook``; each timed step is one
  Runner iteration (the hooks' ``before_train_iter``, ``model.train_step(data,
  optim_wrapper)``, the hooks' ``after_train_iter``). The teacher's EMA update
  is inside ``MEC.loss`` (at the start of each step), so it is timed as part
  of the step. ``RuntimeInfoHook`` reads each logged value back to the host --
  the one synchronisation a Runner iteration makes by design; ``--no-hooks``
  times the bare ``model.train_step`` of the same Runner's model.
* ``plain``: torchvision ResNet-50 with the official projector and predictor,
  an EMA teacher updated by a per-parameter loop after the optimizer step,
  the order-4 Taylor loss by repeated m x m products, ``loss.item()`` each
  step for the meter (all as the official ``main_pretrain.py``); fp32 and
  bf16 autocast + channels_last.
* ``byol``: mmpretrain's own BYOL config file (LARS, its EMA target), fp32 and
  bf16 ``AmpOptimWrapper``.

``--fused`` adds the plugin path with torch's fused SGD step
(``optimizer.fused=True``, set in a config or with ``--cfg-options``) next to
the default multi-tensor one.

With ``--sync-debug`` (CUDA) one extra step of each path runs under
``torch.cuda.set_sync_debug_mode('warn')`` and the synchronising calls are
counted and located.
"""
import argparse
import copy
import gc
import math
import os.path as osp
import sys
import time
from typing import Callable, Dict

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
# the official model and step, written once for the tests and the benchmarks
sys.path.insert(1, osp.join(osp.dirname(osp.abspath(__file__)), '..', 'tests'))
from _common import (ROOT, configure_threads, count_syncs, env_info, peak_memory_gib, reset_peak_memory,  # noqa: E402
                     resolve_device, synchronize, write_json)
from _reference import PlainMEC, official_momentum, plain_train_step  # noqa: E402
from _runner import index_loader, run_stepped  # noqa: E402

HEADLINE = osp.join(ROOT, 'configs/mec_r50_8xb64_100e.py')
IMAGENET_TRAIN = 1281167  # images in ImageNet-1k's training split
MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


# --------------------------------------------------------------------------- inputs
def synthetic_views(batch: int, size: int, device: torch.device, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    views = [torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8, generator=g)
             for _ in range(2)]
    if device.type == 'cuda':
        views = [v.pin_memory() for v in views]
    return views


def measure(step: Callable[[int], object], device: torch.device, warmup: int, iters: int,
            batch: int, sync_debug: bool) -> Dict:
    """images/s over ``iters`` steps after ``warmup``; peak memory; optional sync count."""
    reset_peak_memory(device)
    for i in range(warmup):
        step(i)
    synchronize(device)
    t0 = time.perf_counter()
    for i in range(warmup, warmup + iters):
        last = step(i)
    synchronize(device)
    seconds = time.perf_counter() - t0
    loss = last['loss'] if isinstance(last, dict) else last
    loss = loss.detach() if isinstance(loss, torch.Tensor) else loss
    out = dict(images_per_s=batch * iters / seconds, ms_per_step=1e3 * seconds / iters,
               iters=iters, warmup=warmup, peak_mem_gib=peak_memory_gib(device),
               loss_finite=bool(math.isfinite(float(loss))))
    if sync_debug:
        out['syncs_per_step'] = count_syncs(lambda: step(warmup + iters), device)
    return out


# --------------------------------------------------------------------------- plugin
def plugin_config(args):
    from mmengine.config import Config
    cfg = Config.fromfile(HEADLINE)
    model = cfg.model
    if args.quick:  # a ResNet-18 MEC with narrow heads
        model.backbone.depth = 18
        model.neck.update(in_channels=512, hid_channels=args.quick_dim, out_channels=args.quick_dim)
        model.head.predictor.update(in_channels=args.quick_dim, hid_channels=args.quick_dim // 4,
                                    out_channels=args.quick_dim)
    elif args.depth in (18, 34):  # the headline heads on a basic-block backbone (512 channels)
        model.backbone.depth = args.depth
        model.neck.update(in_channels=512)
    model.data_preprocessor = cfg.data_preprocessor
    return cfg


def plugin_path(args, device, amp, channels_last, compile_=False, fused=False) -> Dict:
    from mmpretrain.structures import DataSample
    cfg = plugin_config(args)
    if compile_:
        # what `--cfg-options model.compile=True` gives a training run: backbone,
        # projector and teacher compiled in place, and the head's compile_loss
        cfg.model.compile = True
    ow_cfg = copy.deepcopy(cfg.optim_wrapper.to_dict())
    if fused:
        # torch's one-kernel SGD step (what `--cfg-options
        # optim_wrapper.optimizer.fused=True` gives a training run); the
        # default on CUDA is the multi-tensor (foreach) step
        ow_cfg['optimizer']['fused'] = True
    if amp:
        # what `tools/train.py --amp --amp-dtype bfloat16` builds: bf16
        # autocast without mmengine's GradScaler (and its per-step sync)
        ow_cfg.update(type='BFloat16OptimWrapper', cpu_precision='bf16')
    views = synthetic_views(args.batch, args.size, device)
    samples = [DataSample() for _ in range(args.batch)]

    def body(loop):
        model, optim_wrapper = loop.runner.model, loop.runner.optim_wrapper

        def step(i):
            data = dict(inputs=list(views), data_samples=samples)
            if args.no_hooks:
                return model.train_step(data, optim_wrapper)
            return loop.step(data)  # the hooks, train_step, the hooks

        with loop.epoch():
            return measure(step, device, args.warmup, args.iters, args.batch, args.sync_debug)

    # the Runner's epoch: ImageNet at this batch (the lr, 1/lambda and EMA schedules)
    runner, out = run_stepped(cfg, body, index_loader(IMAGENET_TRAIN, args.batch),
                              cfg.train_cfg.max_epochs, device=device,
                              channels_last=channels_last, optim_wrapper=ow_cfg)
    model = runner.model
    out.update(head_mode=model.head.mode, taylor_order=model.head.taylor_order,
               optim_wrapper=type(runner.optim_wrapper).__name__, fused_optimizer=fused)
    del model, runner
    return out


# --------------------------------------------------------------------------- plain loop
def plain_path(args, device, amp: bool, channels_last: bool) -> Dict:
    depth, dim, pred = (18, args.quick_dim, args.quick_dim // 4) if args.quick else (
        args.depth, 2048, 512)
    model = PlainMEC(depth, dim, pred).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    lr = 0.5 * args.batch / 256
    params = [p for p in list(model.encoder.parameters()) + list(model.predictor.parameters())
              if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=1e-5)
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    views = synthetic_views(args.batch, args.size, device)
    m = args.batch
    lamda_inv = m * 64. / dim  # eps^2 = 64
    total_iters = 100000
    fmt = torch.channels_last if channels_last else torch.contiguous_format

    def step(i):
        x1, x2 = [((v.to(device, non_blocking=True).float() - mean) / std).contiguous(
            memory_format=fmt) for v in views]
        return plain_train_step(model, optimizer, x1, x2, lamda_inv,
                                official_momentum(i, total_iters), amp=amp)

    model.train()
    out = measure(step, device, args.warmup, args.iters, args.batch, args.sync_debug)
    del model, optimizer
    return out


# --------------------------------------------------------------------------- BYOL
def byol_config_path() -> str:
    import mmpretrain
    path = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'configs', 'byol',
                    'byol_resnet50_16xb256-coslr-200e_in1k.py')
    if not osp.exists(path):
        raise FileNotFoundError(f'mmpretrain ships no BYOL config at {path}')
    return path


def byol_path(args, device, amp: bool) -> Dict:
    from mmengine.config import Config
    from mmengine.logging import MessageHub
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    cfg = Config.fromfile(byol_config_path())
    if args.quick:
        cfg.model.backbone.depth = 18
        cfg.model.neck.update(in_channels=512, hid_channels=args.quick_dim, out_channels=32)
        cfg.model.head.predictor.update(in_channels=32, hid_channels=args.quick_dim,
                                        out_channels=32)
    cfg.model.data_preprocessor = cfg.data_preprocessor
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).to(device)
    ow_cfg = copy.deepcopy(cfg.optim_wrapper.to_dict())
    ow_cfg['optimizer']['lr'] = ow_cfg['optimizer']['lr'] * args.batch / 4096
    if amp:
        ow_cfg.update(type='AmpOptimWrapper', dtype='bfloat16')
    optim_wrapper = build_optim_wrapper(model, ow_cfg)
    MessageHub.get_current_instance().update_info('max_iters', 100000)
    views = synthetic_views(args.batch, args.size, device)
    samples = [DataSample() for _ in range(args.batch)]
    model.train()

    def step(i):
        return model.train_step(dict(inputs=list(views), data_samples=samples), optim_wrapper)

    out = measure(step, device, args.warmup, args.iters, args.batch, args.sync_debug)
    out['config'] = osp.relpath(byol_config_path(), osp.dirname(osp.dirname(byol_config_path())))
    del model, optim_wrapper
    return out


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='auto')
    parser.add_argument('--quick', action='store_true',
                        help='ResNet-18 models with narrow heads at 16 px, batch 4, two steps')
    parser.add_argument('--batch', type=int, help='images per step (default 128; 4 with --quick)')
    parser.add_argument('--size', type=int, help='view side (default 224; 32 with --quick)')
    parser.add_argument('--depth', type=int, default=50, choices=(18, 34, 50, 101, 152),
                        help='ResNet depth of the plugin and plain paths (default 50; 18 with '
                             '--quick); the heads stay 2048-d')
    parser.add_argument('--warmup', type=int)
    parser.add_argument('--iters', type=int)
    parser.add_argument('--paths', nargs='+', default=['plugin', 'plain', 'byol'],
                        choices=('plugin', 'plain', 'byol'))
    parser.add_argument('--precisions', nargs='+', choices=('fp32', 'bf16'),
                        help='default: fp32 and bf16 on CUDA, fp32 on the CPU (MMEngine\'s '
                             'AmpOptimWrapper is GPU-only)')
    parser.add_argument('--threads', type=int, help='CPU threads (default 1 on the CPU)')
    parser.add_argument('--channels-last', action='store_true',
                        help='also time the plugin path in channels_last (bf16)')
    parser.add_argument('--compile', action='store_true',
                        help='also time the plugin path with model.compile=True (backbone, '
                             'projector, teacher and loss compiled)')
    parser.add_argument('--fused', action='store_true',
                        help='also time the plugin path with a fused SGD step (optimizer.fused)')
    parser.add_argument('--no-hooks', action='store_true',
                        help="time model.train_step alone, without the Runner's hooks")
    parser.add_argument('--sync-debug', action='store_true',
                        help='count synchronising CUDA calls in one step of each path')
    parser.add_argument('--quick-dim', type=int, default=64, help=argparse.SUPPRESS)
    parser.add_argument('--out')
    args = parser.parse_args(argv)
    defaults = dict(batch=4, size=16, warmup=1, iters=1) if args.quick else dict(
        batch=128, size=224, warmup=10, iters=30)
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.batch < 2:
        raise ValueError(f'--batch must be >= 2 (MEC needs two samples for BatchNorm), '
                         f'got {args.batch}')
    return args


def main(argv=None) -> Dict:
    args = parse_args(argv)
    device = resolve_device(args.device)
    configure_threads(device, args.threads)
    if args.precisions is None:
        args.precisions = ['fp32', 'bf16'] if device.type == 'cuda' else ['fp32']
    torch.backends.cudnn.benchmark = True  # as env_cfg.cudnn_benchmark in our runtime
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine', log_level='WARNING')  # no per-parameter optimizer log
    from mmengine.registry import init_default_scope
    import mec_plugin  # noqa: F401  (registers MEC into mmpretrain's registries)
    init_default_scope('mmpretrain')
    record = dict(benchmark='train_step', **env_info(device), quick=args.quick,
                  batch=args.batch, size=args.size, warmup=args.warmup, iters=args.iters,
                  depth=18 if args.quick else args.depth,
                  hooks=not args.no_hooks, results={})
    runs = []
    for prec in args.precisions:
        amp = prec == 'bf16'
        if 'plugin' in args.paths:
            runs.append((f'plugin_{prec}', lambda amp=amp: plugin_path(args, device, amp, False)))
            if amp and args.channels_last:
                runs.append(('plugin_bf16_cl', lambda: plugin_path(args, device, True, True)))
            if args.fused:
                cl = amp and args.channels_last
                runs.append((f'plugin_{prec}' + ('_cl' if cl else '') + '_fused',
                             lambda amp=amp, cl=cl: plugin_path(args, device, amp, cl,
                                                                fused=True)))
            if amp and args.compile:
                runs.append(('plugin_bf16_cl_compiled' if args.channels_last else
                             'plugin_bf16_compiled',
                             lambda: plugin_path(args, device, True, args.channels_last, True)))
        if 'plain' in args.paths:
            # the official fp32 loop, and bf16 autocast with channels_last
            runs.append((f'plain_{prec}' + ('_cl' if amp else ''),
                         lambda amp=amp: plain_path(args, device, amp, amp)))
        if 'byol' in args.paths:
            runs.append((f'byol_{prec}', lambda amp=amp: byol_path(args, device, amp)))
    for name, run in runs:
        try:
            res = run()
        except Exception as e:  # keep the other paths' figures
            res = dict(error=f'{type(e).__name__}: {str(e).splitlines()[0][:300]}')
        record['results'][name] = res
        gc.collect()
        if device.type == 'cuda':
            torch.cuda.empty_cache()
        shown = (f"{res['images_per_s']:9.1f} images/s  {res['ms_per_step']:8.1f} ms/step"
                 + (f"  peak {res['peak_mem_gib']:.1f} GiB" if res.get('peak_mem_gib') else '')
                 if 'images_per_s' in res else res['error'])
        print(f'{name:26s} {shown}', flush=True)
    r = {k: v['images_per_s'] for k, v in record['results'].items() if 'images_per_s' in v}
    ratios = {}
    for a, b in [('plugin_fp32', 'plain_fp32'), ('plugin_bf16', 'plain_bf16_cl'),
                 ('plugin_bf16_cl', 'plain_bf16_cl'), ('plugin_bf16_compiled', 'plain_bf16_cl'),
                 ('plugin_bf16_cl_compiled', 'plain_bf16_cl'), ('plugin_fp32', 'byol_fp32'),
                 ('plugin_fp32_fused', 'plugin_fp32'), ('plugin_bf16_fused', 'plugin_bf16'),
                 ('plugin_bf16_cl_fused', 'plugin_bf16_cl'),
                 ('plugin_bf16', 'byol_bf16'), ('plugin_bf16_cl', 'byol_bf16'),
                 ('plain_fp32', 'byol_fp32'), ('plain_bf16_cl', 'byol_bf16')]:
        if a in r and b in r:
            ratios[f'{a}/{b}'] = r[a] / r[b]
    plain = [v for k, v in r.items() if k.startswith('plain')]
    plugin = [v for k, v in r.items() if k.startswith('plugin')]
    if plain and plugin:
        ratios['best_plugin/best_plain'] = max(plugin) / max(plain)
    record['ratios'] = ratios
    for k, v in ratios.items():
        print(f'{k:40s} {v:6.3f}')
    write_json(args.out, record)
    return record


if __name__ == '__main__':
    main()
