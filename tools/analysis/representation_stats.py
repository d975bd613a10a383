"""Representation statistics on a static augmented set: a table and JSON.

    python tools/analysis/representation_stats.py CONFIG [CHECKPOINT] --data STATIC_DIR
        [--subset 128] [--repeats 3] [--uniformity-seed 0] [--out stats.json]
        [--orig-resize 256] [--crop 224] [--save-features | --load-features PTH]

On L2-normalised features (ssl-small ``eval/stats-dist``; Wang & Isola 2020):

* alignment, D-SD = (original, view 1) and SD-SD = (view 1, view 2);
* class alignment, mean over classes of the mean squared distance between
  pairs of a class, on the originals (D) and on view 1 (SD);
* uniformity (t = 2) on the originals (D) and view 1 (SD), averaged over
  ``--repeats`` disjoint random subsets of ``--subset`` rows (seeded here;
  the official subsets were unseeded);
* effective rank (Roy & Vetterli) of the centred raw features, D and SD.

The static set comes from ``make_static_augmented_set.py``; CONFIG and
CHECKPOINT as in ``retrieval_eval.py`` (whose feature files are shared).
"""
import argparse
import json

import torch
from retrieval_eval import add_static_args, static_features

from mec_plugin.evaluation import alignment, class_alignment, effective_rank, uniformity


def subset_uniformity(x: torch.Tensor, subset: int, repeats: int, seed: int) -> float:
    """Mean uniformity over disjoint random subsets (all rows if there are too few)."""
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(x.shape[0], generator=g)
    if x.shape[0] < subset * repeats:
        return float(uniformity(x))
    return float(torch.stack([uniformity(x[order[i * subset:(i + 1) * subset]])
                              for i in range(repeats)]).mean())


def representation_stats(feats: dict, subset: int = 128, repeats: int = 3, seed: int = 0) -> dict:
    """The statistics of a static set's features (``orig``, ``view1``, ``view2``, ``labels``)."""
    orig, v1, v2, labels = feats['orig'], feats['view1'], feats['view2'], feats['labels']
    return {
        'align_d_sd': float(alignment(orig, v1)),
        'align_sd_sd': float(alignment(v1, v2)),
        'class_align_d': float(class_alignment(orig, labels)),
        'class_align_sd': float(class_alignment(v1, labels)),
        'uniformity_d': subset_uniformity(orig, subset, repeats, seed),
        'uniformity_sd': subset_uniformity(v1, subset, repeats, seed),
        'effective_rank_d': float(effective_rank(orig)),
        'effective_rank_sd': float(effective_rank(v1)),
        'feature_dim': orig.shape[1],
        'num_images': orig.shape[0],
    }


def main():
    p = argparse.ArgumentParser(description='alignment, uniformity, class alignment, eff. rank')
    add_static_args(p)
    p.add_argument('--subset', type=int, default=128)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--uniformity-seed', type=int, default=0)
    args = p.parse_args()
    feats = static_features(args)
    stats = representation_stats(feats, args.subset, args.repeats, args.uniformity_seed)
    stats['checkpoint'] = feats.get('checkpoint')
    names = ['align_d_sd', 'align_sd_sd', 'class_align_d', 'class_align_sd', 'uniformity_d',
             'uniformity_sd', 'effective_rank_d', 'effective_rank_sd']
    print('| ' + ' | '.join(names) + ' |')
    print('|' + '---|' * len(names))
    print('| ' + ' | '.join(f'{stats[n]:.4f}' for n in names) + ' |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(stats, f, indent=2)


if __name__ == '__main__':
    main()
