"""Train a model of mec_plugin (or any mmpretrain config) with MMEngine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                          [--amp-dtype float16|bfloat16] [--compile]
                          [--cfg-options k=v ...] [--launcher pytorch|slurm|mpi]
"""
import argparse
import os
import os.path as osp

import mec_plugin  # noqa: F401  (first: registers the plugin, guards the host imports)
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmpretrain.utils import register_all_modules

from mec_plugin.compat import require_config_host
from mec_plugin.engine.cpu_distributed import prepare_cpu_distributed


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model (mec_plugin)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in the '
        'work dir if no path is given')
    parser.add_argument('--amp', action='store_true', help='mixed precision training')
    parser.add_argument(
        '--amp-dtype', choices=['float16', 'bfloat16'], default=None,
        help='autocast dtype with --amp (bfloat16: BFloat16OptimWrapper, no loss scaler)')
    parser.add_argument(
        '--compile', action='store_true',
        help="MEC: model.compile=True (backbone, projector, teacher and loss compiled, outside "
        "the values that change every iteration; not MMEngine's compile=True)")
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr with the real batch size')
    parser.add_argument('--no-pin-memory', action='store_true')
    parser.add_argument('--no-persistent-workers', action='store_true')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value (e.g. '
        'train_dataloader.batch_size=128 model.head.eps_square=256)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp and args.amp_dtype == 'bfloat16':
        # bf16 needs no loss scaler; mmengine's AmpOptimWrapper keeps one and
        # syncs on its found_inf every step (mec_plugin/engine/optim_wrappers.py)
        cfg.optim_wrapper.type = 'BFloat16OptimWrapper'
        cfg.optim_wrapper.cpu_precision = 'bf16'  # asked for by name: on any CPU too
        for key in ('loss_scale', 'dtype'):
            cfg.optim_wrapper.pop(key, None)
    elif args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        if args.amp_dtype:
            cfg.optim_wrapper.dtype = args.amp_dtype
    if args.compile:
        if str(cfg.model.get('type', '')).split('.')[-1] != 'MEC':
            raise SystemExit(f"--compile sets model.compile=True, which MEC has; this config's "
                             f"model is {cfg.model.get('type')!r}")
        cfg.model.compile = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None

    def set_loader_defaults(loader):
        if loader is None:
            return
        loader.setdefault('collate_fn', dict(type='default_collate'))
        loader.pin_memory = not args.no_pin_memory and loader.get('pin_memory', True)
        if args.no_persistent_workers or loader.get('num_workers', 0) == 0:
            loader.persistent_workers = False

    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        set_loader_defaults(cfg.get(name))
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    check_schedule_fits(cfg)
    return cfg


def check_schedule_fits(cfg):
    """A scheduler without ``end`` runs from its ``begin`` to ``max_epochs``: say
    so by name when ``max_epochs`` leaves it no epoch (MMEngine's own error is
    'end should be larger than begin')."""
    max_epochs = cfg.get('train_cfg', {}).get('max_epochs')
    schedulers = cfg.get('param_scheduler') or []
    schedulers = [schedulers] if isinstance(schedulers, dict) else schedulers
    for s in schedulers:
        if (max_epochs is not None and s.get('by_epoch', True) and 'end' not in s
                and s.get('begin', 0) >= max_epochs):
            raise SystemExit(
                f"train_cfg.max_epochs={max_epochs} leaves no epoch for {s['type']}, which "
                f"starts after the warm-up at epoch {s['begin']}: train for more than "
                f"{s['begin']} epochs")


def protect_work_dir(cfg) -> None:
    """Resume from this work dir's own checkpoint; move an earlier run's aside on a fresh run."""
    from mec_plugin.utils.work_dir import resolve_last_checkpoint, set_aside_checkpoints
    work_dir = cfg.work_dir
    if cfg.get('resume') and cfg.get('load_from') is None:  # --resume without a path
        cfg.load_from = resolve_last_checkpoint(work_dir)  # None: MMEngine starts afresh
        return
    if cfg.get('resume') or int(os.environ.get('RANK', 0)) != 0 or not osp.isdir(work_dir):
        return
    dest, moved = set_aside_checkpoints(work_dir)
    if not moved:
        return
    load_from = cfg.get('load_from')
    if load_from and osp.dirname(osp.abspath(load_from)) == osp.abspath(work_dir) \
            and osp.basename(load_from) in moved:
        cfg.load_from = osp.join(dest, osp.basename(load_from))
    print(f'{work_dir} holds checkpoints of an earlier run and --resume was not given: '
          f'moved {", ".join(moved)} to {dest} so that this run does not write over them '
          f'(pass --resume to continue that run instead)', flush=True)


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(Config.fromfile(args.config), args)
    require_config_host(cfg, 'tools/train.py')  # mmdet / mmseg configs need the full env
    protect_work_dir(cfg)
    prepare_cpu_distributed(cfg)  # gloo and CPU DDP where there is no CUDA device
    register_all_modules(init_default_scope=False)
    # runner_type selects e.g. FlexibleRunner (FSDP / DeepSpeed strategies)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    runner.train()
    if dist.is_available() and dist.is_initialized():
        # left to interpreter exit, gloo's threads can abort a rank ("terminate called
        # without an active exception")
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
