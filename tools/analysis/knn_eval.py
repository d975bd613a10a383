"""k-NN accuracy of a pre-trained (or randomly initialised) backbone.

    python tools/analysis/knn_eval.py CONFIG [CHECKPOINT] [--weights student|teacher]
        [--representation backbone|backbone+neck]
        [--k 20 200] [--temperature 0.07] [--best-k 101] [--out knn.json]
        [--save-features feats.pth | --load-features feats.pth]
    python tools/analysis/knn_eval.py CONFIG --pixels raw|centred [--out pixels.json]

CONFIG is the pre-training config: the backbone comes from ``model.backbone``
and the data from ``knn_train_dataloader`` / ``knn_test_dataloader`` (labelled
splits with a deterministic pipeline) and ``knn_data_preprocessor``; with
``--representation backbone+neck`` (the default of configs that set
``eval_representation``, e.g. DISSL d = 8192) ``model.neck`` follows it. Without
CHECKPOINT the network keeps its random initialisation: the baseline.
Reports the weighted k-NN of InstDisc / DINO (cosine, weights exp(s/T)) for
each --k and, with --best-k K, ssl-small's best majority-vote k-NN over odd
k <= K on raw, normalised and shift-normalised features.
``--save-features`` keeps the extracted features for the other tools;
``--load-features`` (the output of ``extract_features.py``) skips extraction,
and then CONFIG is not read. ``--pixels`` runs the same k-NN on the images
themselves, the baseline every representation must beat: ``raw`` pixel
vectors (0-255), or ``centred`` ones (minus the memory's mean image).
"""
import argparse
import json
import os.path as osp
import time

import mec_plugin  # noqa: F401
import torch
from mmengine.config import Config, DictAction
from mmpretrain.utils import register_all_modules

from mec_plugin.evaluation import (REPRESENTATION_HELP, REPRESENTATIONS, best_k_accuracy,
                                   config_representation, dataset_classes,
                                   extract_config_features, load_features, save_features)
from mec_plugin.evaluation.knn import knn_accuracy_per_k


def parse_args():
    p = argparse.ArgumentParser(description='k-NN evaluation of a backbone')
    p.add_argument('config', help="pre-training config ('-' with --load-features)")
    p.add_argument('checkpoint', nargs='?', default=None,
                   help='checkpoint of the plugin; omit for random initialisation')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student')
    p.add_argument('--representation', choices=REPRESENTATIONS, help=REPRESENTATION_HELP)
    p.add_argument('--pixels', choices=['raw', 'centred'],
                   help='no network: k-NN on the pixel vectors of the same splits (the baseline)')
    p.add_argument('--k', type=int, nargs='+', default=[20, 200])
    p.add_argument('--temperature', type=float, default=0.07)
    p.add_argument('--best-k', type=int, default=0, metavar='K_MAX',
                   help='also run the best-k majority vote over odd k <= K_MAX')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--seed', type=int, default=0, help='seed of the random initialisation')
    p.add_argument('--train-stride', type=int, default=1,
                   help='keep every S-th training sample (all classes, 1/S of the data)')
    p.add_argument('--out', help='write the results to this JSON file')
    p.add_argument('--save-features', metavar='PTH', help='save the extracted features here')
    p.add_argument('--load-features', metavar='PTH',
                   help='use features saved by extract_features.py instead of extracting')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args()


def evaluate(cfg, checkpoint, weights='student', ks=(20, 200), temperature=0.07,
             best_k=0, device='cpu', seed=0, progress=True, features=None, save_to=None,
             train_stride=1, representation=None, pixels=None):
    """k-NN results of a checkpoint (or of saved ``features``: ``{split: (x, y)}``),
    or with ``pixels='raw' | 'centred'`` of the pixel vectors themselves."""
    t0 = time.time()
    if pixels is not None:
        if pixels not in ('raw', 'centred'):
            raise ValueError(f"pixels must be 'raw' or 'centred', got {pixels!r}")
        features = extract_config_features(cfg, None, representation='pixels', progress=progress,
                                           strides=dict(train=train_stride))
        if pixels == 'centred':  # the memory's mean image, subtracted from both splits
            mean = features['train'][0].mean(dim=0, keepdim=True)
            features = {k: (x - mean, y) for k, (x, y) in features.items()}
        checkpoint, weights, representation = f'{pixels} pixels', None, 'pixels'
    elif features is None:
        representation = config_representation(cfg, representation)
        features = extract_config_features(cfg, checkpoint, weights, ('train', 'test'), device,
                                           seed=seed, progress=progress,
                                           strides=dict(train=train_stride),
                                           representation=representation)
        if save_to:
            # the class names too, so that tsne.py labels its legend as from extract_features.py
            classes = dataset_classes(cfg.get('knn_test_dataloader')
                                      or cfg.get('knn_train_dataloader'))
            save_features(save_to, features, checkpoint=checkpoint or 'random-init',
                          weights=weights, seed=seed, representation=representation,
                          classes=classes)
    else:
        representation = features.get('meta', {}).get('representation', representation)
    (train_x, train_y), (test_x, test_y) = features['train'], features['test']
    result = dict(checkpoint=checkpoint or 'random-init', weights=weights,
                  representation=representation or 'backbone',
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
    register_all_modules(init_default_scope=True)
    features, cfg, checkpoint = None, None, args.checkpoint
    if args.load_features:
        features = load_features(args.load_features)
        checkpoint = checkpoint or features['meta'].get('checkpoint')
    else:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        if args.pixels and args.checkpoint is not None:
            raise SystemExit('--pixels evaluates the images themselves: give no checkpoint')
        if args.checkpoint is not None and not osp.isfile(args.checkpoint):
            raise SystemExit(f'checkpoint not found: {args.checkpoint}')
    result = evaluate(cfg, checkpoint, args.weights, args.k, args.temperature, args.best_k,
                      args.device, args.seed, features=features, save_to=args.save_features,
                      train_stride=args.train_stride, representation=args.representation,
                      pixels=args.pixels)
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
