"""Images/s of the whole Runner training loop of the main job, before and after
the fast small-data path, measured in one run.

    python benchmarks/data_path.py --data-root data/fashion-mnist --iters 30 \
        --out work_dirs/bench/data_path.json

Both variants train the main job's config (``configs/mec/mec_resnet18-w16_1xb256-10e_
fashion-mnist.py``: model, loss, optimiser, batch) through ``Runner.train()``:

* ``per-image``: the classic path -- mmpretrain's ``FashionMNIST`` with a
  ``MultiView`` PIL pipeline (the config's two views, per image) in
  ``--workers`` loader processes, ``SelfSupDataPreprocessor``, float32;
* ``in-memory``: the config as shipped -- ``InMemoryImages``, the views made per
  batch by ``BatchAugmentPreprocessor`` (channels_last), bfloat16 autocast.

The first ``--skip`` iterations (warm-up, worker start) are not timed.
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _common import ROOT, env_info  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py')


def per_image_variant(cfg, workers):
    """The same config with the per-image PIL pipeline, workers and float32."""
    cfg = copy.deepcopy(cfg)
    views = cfg.data_preprocessor.views
    cfg.data_preprocessor = dict(type='SelfSupDataPreprocessor', mean=cfg.data_preprocessor.mean,
                                 std=cfg.data_preprocessor.std)
    cfg.model.data_preprocessor = cfg.data_preprocessor
    fmnist = copy.deepcopy(cfg.train_dataloader.dataset.dataset)
    fmnist.pipeline = [dict(type='MultiView', num_views=[1, 1], transforms=views),
                       dict(type='PackInputs')]
    cfg.train_dataloader.dataset = fmnist
    cfg.train_dataloader.num_workers = workers
    cfg.train_dataloader.persistent_workers = workers > 0
    cfg.optim_wrapper.type = 'OptimWrapper'
    return cfg


class _Done(Exception):
    """Raised by the clock hook once it has its iterations."""


def images_per_second(cfg, iters, skip, work_dir):
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    class Clock(Hook):
        def __init__(self):
            self.stamps = []

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.stamps.append(time.perf_counter())
            if len(self.stamps) >= iters:
                raise _Done

    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.default_hooks = dict(checkpoint=None, logger=None)
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', []) if h.type != 'KNNMonitorHook']
    cfg.log_level = 'WARNING'
    # MMEngine names a Runner's logger and message hub after the config and the
    # second it started: two variants timed in one second would share them
    cfg.experiment_name = f'data_path_{osp.basename(work_dir)}'
    runner = Runner.from_cfg(cfg)
    clock = Clock()
    runner.register_hook(clock, 'LOWEST')
    try:
        runner.train()
    except _Done:
        pass
    timed = clock.stamps[skip:]
    batch = cfg.train_dataloader.batch_size
    return batch * (len(timed) - 1) / (timed[-1] - timed[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--data-root', default='data/fashion-mnist')
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--skip', type=int, default=5)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--out')
    args = parser.parse_args(argv)
    if args.iters <= args.skip + 1:
        raise SystemExit(f'--iters ({args.iters}) must exceed --skip + 1 ({args.skip + 1})')
    import torch
    from mmengine.config import Config
    import mec_plugin  # noqa: F401
    cfg = Config.fromfile(args.config)
    root = osp.abspath(args.data_root) + '/'
    cfg.train_dataloader.dataset.dataset.data_root = root
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, variant in (('per-image', per_image_variant(cfg, args.workers)),
                              ('in-memory', cfg)):
            results[name] = images_per_second(variant, args.iters, args.skip,
                                              osp.join(tmp, name))
            print(f'{name:10s} {results[name]:8.1f} images/s', flush=True)
    record = dict(benchmark='data_path', config=osp.relpath(args.config, ROOT),
                  iters=args.iters, skip=args.skip, workers=args.workers,
                  images_per_s=results, speedup=results['in-memory'] / results['per-image'],
                  env=env_info(torch.device('cpu')),
                  command='python benchmarks/data_path.py ' + ' '.join(argv or sys.argv[1:]))
    print(f"speed-up {record['speedup']:.2f}x")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(record, f, indent=2)
    return record


if __name__ == '__main__':
    main()
