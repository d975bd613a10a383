"""Linear probe on saved features (the fast path of the linear protocols).

    python tools/analysis/linear_probe_features.py FEATURES [--protocol mec|moco]
        [--epochs 100] [--batch-size 4096] [--lr LR] [--device auto|cpu|cuda]
        [--no-progress] [--out linear.json]

FEATURES is written by ``extract_features.py`` (``train`` and ``test``
splits). ``mec``: BatchNorm1d without affine (eps 1e-6) + Linear N(0, 0.01),
SGD in LARC (apex's rule, trust 0.001), lr 0.03 x B / 256, cosine; ``moco``: Linear only, SGD lr 30,
x0.1 at 60 % / 80 % of the epochs. The features were extracted once without
augmentation, so this approximates the Runner-based probes of
``configs/benchmarks/classification/`` (which crop and flip every epoch).

A progress bar (one step per epoch) goes to stderr, the result as JSON to
stdout. ``--device auto`` (the default) trains on the GPU when torch sees
one; ``--device cuda`` without one is an error.
"""
import argparse
import json
import time

import torch

from mec_plugin.evaluation import linear_probe_on_features, load_features


def resolve_device(name: str) -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; 'cuda' / 'cuda:N'
    only when it does."""
    if name == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    if name == 'cpu':
        return name
    if name == 'cuda' or name.startswith('cuda:'):
        if not torch.cuda.is_available():
            raise argparse.ArgumentTypeError(
                f"'{name}': CUDA is not available here (torch {torch.__version__}: "
                'torch.cuda.is_available() is False -- no GPU visible, or a CPU-only build); '
                'use --device cpu, or --device auto to take a GPU only when there is one')
        return name
    raise argparse.ArgumentTypeError(f"'{name}': expected auto, cpu, cuda or cuda:N")


def main():
    p = argparse.ArgumentParser(description='linear probe on saved features')
    p.add_argument('features')
    p.add_argument('--protocol', choices=['mec', 'moco'], default='mec')
    p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--batch-size', type=int, default=None,
                   help='defaults to 4096 (mec) or 256 (moco)')
    p.add_argument('--lr', type=float, default=None, help="defaults to the protocol's")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', type=resolve_device, default='auto',
                   help='auto (a GPU when there is one, else the CPU), cpu, cuda or cuda:N')
    p.add_argument('--no-progress', action='store_true',
                   help='no progress bar (it goes to stderr, one step per epoch)')
    p.add_argument('--out')
    args = p.parse_args()
    data = load_features(args.features)
    (train_x, train_y), (test_x, test_y) = data['train'], data['test']
    mec = args.protocol == 'mec'
    t0 = time.time()
    result = linear_probe_on_features(
        train_x, train_y, test_x, test_y, args.epochs,
        args.batch_size or (4096 if mec else 256), args.lr,
        optimizer='lars' if mec else 'sgd', bn=mec, seed=args.seed, device=args.device,
        progress=not args.no_progress)
    result.update(protocol=args.protocol, checkpoint=data['meta'].get('checkpoint'),
                  device=args.device,
                  seconds=round(time.time() - t0, 1))
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
