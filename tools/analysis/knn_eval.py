"""k-NN accuracy of a pre-trained (or randomly initialised) backbone.

    python tools/analysis/knn_eval.py CONFIG [CHECKPOINT] [--weights student|teacher]
        [--k 20 200] [--temperature 0.07] [--best-k 101] [--out knn.json]

CONFIG is the pre-training config: the backbone comes from ``model.backbone``
and the data from ``knn_train_dataloader`` / ``knn_test_dataloader`` (labelled
splits with a deterministic pipeline) and ``knn_data_preprocessor``. Without
CHECKPOINT the network keeps its random initialisation: the baseline.
Reports the weighted k-NN of InstDisc / DINO (cosine, weights exp(s/T)) for
each --k and, with --best-k K, ssl-small's best majority-vote k-NN over odd
k <= K on raw, normalised and shift-normalised features.
"""
import argparse
import json
import os.path as osp
import time

import mec_plugin  # noqa: F401
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

from mec_plugin.evaluation import best_k_accuracy, build_backbone, extract_features
from mec_plugin.evaluation.knn import knn_accuracy_per_k


def parse_args():
    p = argparse.ArgumentParser(description='k-NN evaluation of a backbone')
    p.add_argument('config')
    p.add_argument('checkpoint', nargs='?', default=None,
                   help='checkpoint of the plugin; omit for random initialisation')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student')
    p.add_argument('--k', type=int, nargs='+', default=[20, 200])
    p.add_argument('--temperature', type=float, default=0.07)
    p.add_argument('--best-k', type=int, default=0, metavar='K_MAX',
                   help='also run the best-k majority vote over odd k <= K_MAX')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--seed', type=int, default=0, help='seed of the random initialisation')
    p.add_argument('--out', help='write the results to this JSON file')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args()


def evaluate(cfg, checkpoint, weights='student', ks=(20, 200), temperature=0.07,
             best_k=0, device='cpu', seed=0, progress=True):
    for key in ('knn_train_dataloader', 'knn_test_dataloader', 'knn_data_preprocessor'):
        if cfg.get(key) is None:
            raise KeyError(f'the config has no `{key}`: k-NN needs labelled train/test '
                           'loaders with a deterministic pipeline (see configs/_base_/datasets)')
    torch.manual_seed(seed)
    backbone = build_backbone(cfg.model.backbone, checkpoint, weights)
    preprocessor = MODELS.build(cfg.knn_data_preprocessor)
    t0 = time.time()
    train_x, train_y = extract_features(backbone, Runner.build_dataloader(cfg.knn_train_dataloader),
                                        preprocessor, device, progress=progress)
    test_x, test_y = extract_features(backbone, Runner.build_dataloader(cfg.knn_test_dataloader),
                                      preprocessor, device, progress=progress)
    result = dict(checkpoint=checkpoint or 'random-init', weights=weights,
                  num_train=len(train_y), num_test=len(test_y), feature_dim=train_x.shape[1])
    acc = knn_accuracy_per_k(train_x.to(device), train_y, test_x.to(device), test_y, list(ks),
                             metric='cosine', weighting='exp', temperature=temperature)
    result['weighted_knn'] = {f'k={k},T={temperature}': a for k, a in acc.items()}
    if best_k:
        result['best_k'] = {}
        for rep in ('raw', 'norm', 'shift-norm'):
            r = best_k_accuracy(train_x.to(device), train_y, test_x.to(device), test_y, best_k, rep)
            result['best_k'][rep] = dict(best_k=r['best_k'], best_acc=r['best_acc'])
    result['seconds'] = round(time.time() - t0, 1)
    return result


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules(init_default_scope=True)
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint not found: {args.checkpoint}')
    result = evaluate(cfg, args.checkpoint, args.weights, args.k, args.temperature, args.best_k,
                      args.device, args.seed)
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
