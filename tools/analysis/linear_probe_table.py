"""Linear probe of a checkpoint beside the same probe on the random network and the pixels.

    python tools/analysis/linear_probe_table.py CONFIG CHECKPOINT [--weights student|teacher]
        [--train-samples 60000] [--epochs 100] [--protocol mec|moco] [--seed 0]
        [--out linear.json] [--cfg-options ...]

The features are the backbone's pooled output on the config's labelled splits
(``knn_train_dataloader`` with its memory widened to ``--train-samples``
images, ``knn_test_dataloader``), extracted once without augmentation. Each
row trains the same classifier (``linear_probe_features.py``'s protocols; by
default MEC's: BatchNorm without affine + a linear layer, SGD in LARC, cosine)
on: the checkpoint's features, the same network at random initialisation
(``--seed``) and the pixel vectors. The table goes to stdout, the figures as
JSON to ``--out``.
"""
import argparse
import json
import sys
import time

import mec_plugin  # noqa: F401  (registers the plugin and its checkpoint loader)
from mmengine.config import Config, DictAction
from mmpretrain.utils import register_all_modules

from mec_plugin.evaluation import extract_config_features, linear_probe_on_features


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config', help='the pre-training config (model.backbone, knn_* loaders)')
    p.add_argument('checkpoint')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student')
    p.add_argument('--train-samples', type=int, default=60000,
                   help="training images the classifier sees (the config's k-NN memory, "
                   'widened; the whole Fashion-MNIST training split by default)')
    p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--protocol', choices=['mec', 'moco'], default='mec')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the random initialisation and of the classifier')
    p.add_argument('--out', help='write the figures here (JSON)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def _widen_memory(cfg, samples: int) -> None:
    """Set the size of the k-NN memory's spread subset, wherever the wrappers put it."""
    node = cfg.knn_train_dataloader.dataset
    while node is not None:
        if node.get('type') == 'SpreadSubset':
            node.num_samples = samples
            return
        node = node.get('dataset')
    raise KeyError('knn_train_dataloader has no SpreadSubset to widen; use --cfg-options to '
                   'choose the training images')


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    _widen_memory(cfg, args.train_samples)
    rows = [('trained', args.checkpoint, None), ('random init', None, None),
            ('pixels', None, 'pixels')]
    results = {}
    for name, ckpt, representation in rows:
        t0 = time.time()
        feats = extract_config_features(cfg, ckpt, args.weights, seed=args.seed, progress=False,
                                        representation=representation)
        (train_x, train_y), (test_x, test_y) = feats['train'], feats['test']
        mec = args.protocol == 'mec'
        res = linear_probe_on_features(train_x.float(), train_y, test_x.float(), test_y,
                                       args.epochs, 4096 if mec else 256,
                                       optimizer='lars' if mec else 'sgd', bn=mec,
                                       seed=args.seed)
        res.update(feature_dim=int(train_x.shape[1]), num_train=int(train_x.shape[0]),
                   num_test=int(test_x.shape[0]), seconds=round(time.time() - t0, 1))
        results[name] = res
        print(f"{name}: top-1 {res['top1']:.2f}% ({res['seconds']:.0f} s)", file=sys.stderr)
    first = results['trained']
    print(f"linear probe ({args.protocol} protocol, {args.epochs} epochs) top-1 on "
          f"{first['num_test']} test images, trained on {first['num_train']} training images:")
    for name in results:
        label = f"{name} ({args.checkpoint.split('/')[-1]})" if name == 'trained' else name
        print(f'  {label:28s} {results[name]["top1"]:6.2f}%   ({results[name]["feature_dim"]}-d)')
    out = dict(config=args.config, checkpoint=args.checkpoint, weights=args.weights,
               protocol=args.protocol, epochs=args.epochs, seed=args.seed, results=results)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main()
