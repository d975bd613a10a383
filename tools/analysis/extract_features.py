"""Extract pooled backbone features of a dataset's splits and save them.

    python tools/analysis/extract_features.py CONFIG [CHECKPOINT] --out feats.pth
        [--splits train test] [--stage -1] [--weights student|teacher]
        [--device cuda] [--cfg-options ...]

CONFIG gives the backbone (``model.backbone``) and the labelled splits
(``knn_train_dataloader`` / ``knn_test_dataloader``, deterministic pipelines)
with ``knn_data_preprocessor``. CHECKPOINT may be a checkpoint of this plugin
(student or EMA-teacher weights), an mmpretrain checkpoint, a bare backbone
or a torchvision ResNet checkpoint; without it the backbone keeps its random
initialisation (``--seed``). The output holds ``{split: {feats, labels}}``
plus ``meta`` and is read by ``knn_eval.py --load-features``,
``linear_probe_features.py`` and ``tsne.py``.
"""
import argparse
import os.path as osp
import time

import mec_plugin  # noqa: F401  (registers the plugin and its checkpoint loader)
import torch
from mmengine.config import Config, DictAction
from mmpretrain.utils import register_all_modules

from mec_plugin.evaluation import (REPRESENTATION_HELP, REPRESENTATIONS, config_representation,
                                   dataset_classes, extract_config_features, save_features)


def parse_args():
    p = argparse.ArgumentParser(description='extract pooled backbone features')
    p.add_argument('config')
    p.add_argument('checkpoint', nargs='?', default=None,
                   help='omit for a randomly initialised backbone')
    p.add_argument('--out', required=True, help='output .pth file')
    p.add_argument('--splits', nargs='+', default=['train', 'test'])
    p.add_argument('--stage', type=int, default=-1, help='index of the backbone output')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student')
    p.add_argument('--representation', choices=REPRESENTATIONS, help=REPRESENTATION_HELP)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--seed', type=int, default=0, help='seed of the random initialisation')
    p.add_argument('--train-stride', type=int, default=1,
                   help='keep every S-th training sample (all classes, 1/S of the data)')
    p.add_argument('--test-stride', type=int, default=1)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args()


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules(init_default_scope=True)
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint not found: {args.checkpoint}')
    t0 = time.time()
    representation = config_representation(cfg, args.representation)
    splits = extract_config_features(cfg, args.checkpoint, args.weights, args.splits, args.device,
                                     args.stage, args.seed,
                                     strides=dict(train=args.train_stride, test=args.test_stride),
                                     representation=representation)
    classes = dataset_classes(cfg.get('knn_test_dataloader') or cfg.get('knn_train_dataloader'))
    save_features(args.out, splits, config=args.config, checkpoint=args.checkpoint or 'random-init',
                  classes=classes,
                  weights=args.weights, representation=representation, stage=args.stage,
                  seed=args.seed,
                  train_stride=args.train_stride, test_stride=args.test_stride)
    for name, (x, y) in splits.items():
        print(f'{name}: {tuple(x.shape)} features, {int(y.max()) + 1} classes')
    print(f'saved to {args.out} in {time.time() - t0:.1f} s')


if __name__ == '__main__':
    main()
