"""Instance-discrimination retrieval accuracy on a static augmented set.

    python tools/analysis/retrieval_eval.py CONFIG [CHECKPOINT] --data STATIC_DIR
        [--modes d-sd sd-sd] [--topk 5] [--orig-resize 256] [--crop 224]
        [--weights student|teacher] [--representation backbone|backbone+neck]
        [--out retrieval.json]
        [--save-features static.pth | --load-features static.pth]

STATIC_DIR is written by ``make_static_augmented_set.py``. For each class
chunk, each query must retrieve its positive among all query-domain images
of the chunk (itself included, so top-k is measured at k + 1; see
``mec_plugin/evaluation/retrieval.py``). d-sd: originals -> view 1; sd-sd:
view 1 -> view 2. The originals get Resize(--orig-resize) + CenterCrop(--crop)
(use 32 and 32 for CIFAR). CHECKPOINT: this plugin's, mmpretrain's, a bare
backbone or torchvision's; omitted = random initialisation.
"""
import argparse
import json
import os.path as osp

import mec_plugin  # noqa: F401
import torch
from mmengine.config import Config, DictAction
from mmpretrain.utils import register_all_modules

from mec_plugin.evaluation import (REPRESENTATION_HELP, REPRESENTATIONS, build_encoder,
                                   config_representation, eval_data_preprocessor,
                                   extract_static_features, instdisc_retrieval)
from mec_plugin.utils import load_from_local


def add_static_args(p):
    """Arguments shared with representation_stats.py."""
    p.add_argument('config', help="config giving model.backbone ('-' with --load-features)")
    p.add_argument('checkpoint', nargs='?', default=None)
    p.add_argument('--data', help='static augmented set directory')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student')
    p.add_argument('--representation', choices=REPRESENTATIONS, help=REPRESENTATION_HELP)
    p.add_argument('--orig-resize', type=int, default=256)
    p.add_argument('--crop', type=int, default=224)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--stage', type=int, default=-1)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--seed', type=int, default=0, help='seed of the random initialisation')
    p.add_argument('--out', help='JSON output')
    p.add_argument('--save-features', metavar='PTH')
    p.add_argument('--load-features', metavar='PTH')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)


def static_features(args) -> dict:
    """Features of the static set: loaded, or extracted (and saved if asked)."""
    if args.load_features:
        return load_from_local(args.load_features, map_location='cpu')  # the plugin's safe loader
    if not args.data:
        raise SystemExit('--data (a static augmented set) or --load-features is required')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules(init_default_scope=True)
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint not found: {args.checkpoint}')
    torch.manual_seed(args.seed)
    representation = config_representation(cfg, args.representation)
    backbone = build_encoder(cfg.model, args.checkpoint, args.weights, representation)
    feats = extract_static_features(backbone, eval_data_preprocessor(cfg), args.data, args.device,
                                    args.batch_size, args.orig_resize, args.crop, args.stage)
    feats['checkpoint'] = args.checkpoint or 'random-init'
    feats['representation'] = representation
    if args.save_features:
        torch.save(feats, args.save_features)
    return feats


def parse_args():
    p = argparse.ArgumentParser(description='instance-discrimination retrieval accuracy')
    add_static_args(p)
    p.add_argument('--modes', nargs='+', default=['d-sd', 'sd-sd'], choices=['d-sd', 'sd-sd'])
    p.add_argument('--topk', type=int, default=5)
    return p.parse_args()


def main():
    args = parse_args()
    feats = static_features(args)
    result = dict(checkpoint=feats.get('checkpoint'), num_images=len(feats['labels']),
                  num_chunks=len(feats['labels'].unique()))
    for mode in args.modes:
        acc = instdisc_retrieval(feats['orig'], feats['view1'], feats['view2'], mode, args.topk,
                                 chunks=feats['labels'])
        result[mode] = {f'top{k}': round(a, 3) for k, a in acc.items()}
        print(f'{mode}: ' + '  '.join(f'top-{k} {a:.2f}' for k, a in acc.items()))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
