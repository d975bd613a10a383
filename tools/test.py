"""Evaluate a checkpoint with a config that has a test loop (linear probe,
classification fine-tune) through MMEngine's Runner.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
                         [--cfg-options k=v ...] [--launcher ...]
"""
import argparse
import os
import os.path as osp

import mec_plugin  # noqa: F401
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmpretrain.utils import register_all_modules

from mec_plugin.compat import require_config_host
from mec_plugin.engine.cpu_distributed import prepare_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Test a checkpoint (mec_plugin)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--out', help='dump the metrics to this json/pickle file')
    parser.add_argument('--amp', action='store_true', help='mixed precision inference')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    require_config_host(cfg, 'tools/test.py')  # mmdet / mmseg configs need the full env
    if cfg.get('test_dataloader') is None:
        raise SystemExit(f'{args.config} has no test_dataloader: tools/test.py evaluates '
                         'classification configs (linear probe, fine-tune); pre-training '
                         'checkpoints go through tools/analysis/knn_eval.py')
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.amp:
        cfg.test_cfg = dict(cfg.get('test_cfg') or {}, fp16=True)
    register_all_modules(init_default_scope=False)
    prepare_cpu_distributed(cfg)  # gloo and CPU DDP where there is no CUDA device
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out:
        from mmengine.fileio import dump
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
