"""t-SNE plot of saved features, coloured by class.

    python tools/analysis/tsne.py FEATURES --out tsne.png [--split test]
        [--max-points 2000] [--perplexity 30] [--iters 1000] [--seed 0] [--no-norm]
        [--classes a,b,c | --classes names.txt] [--title TITLE]

FEATURES is written by ``extract_features.py``. Rows are L2-normalised first
(``--no-norm`` keeps them raw); at most ``--max-points`` rows are drawn, an
equal share per class, chosen with ``--seed``. scikit-learn's ``TSNE`` is
used when installed (the plugin's ``analysis`` extra); without it a
fallback, the plugin's exact O(N^2) t-SNE (``mec_plugin.evaluation.tsne_embed``),
which the tool and the plot say. The legend names the classes (``--classes``,
else the names ``extract_features.py`` saved). The embedding is also saved
next to the PNG (``.pth``).
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

import torch
import torch.nn.functional as F

from mec_plugin.evaluation import load_features, tsne_embed


def pick_rows(labels: torch.Tensor, max_points: int, seed: int) -> torch.Tensor:
    """Indices of at most ``max_points`` rows, an equal random share of each class."""
    if len(labels) <= max_points:
        return torch.arange(len(labels))
    g = torch.Generator().manual_seed(seed)
    classes = labels.unique()
    per_class = max(1, max_points // len(classes))
    rows = []
    for c in classes:
        idx = (labels == c).nonzero().flatten()
        rows.append(idx[torch.randperm(len(idx), generator=g)[:per_class]])
    return torch.cat(rows).sort().values


SKLEARN = 'scikit-learn TSNE'
FALLBACK = "fallback: the plugin's exact O(N^2) t-SNE"


def embed(x: torch.Tensor, perplexity: float, iters: int, seed: int):
    """(embedding [N, 2], name of the implementation)."""
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        print('scikit-learn is not installed (pip install scikit-learn, or the plugin\'s '
              '"analysis" extra): using the fallback, the plugin\'s exact O(N^2) t-SNE '
              '(slow beyond a few thousand points)')
        return tsne_embed(x, perplexity, iters, seed=seed), FALLBACK
    kwargs = dict(n_components=2, perplexity=min(perplexity, (len(x) - 1) / 3), init='pca',
                  random_state=seed)
    try:
        model = TSNE(max_iter=max(iters, 250), **kwargs)
    except TypeError:  # scikit-learn < 1.5 names it n_iter
        model = TSNE(n_iter=max(iters, 250), **kwargs)
    return torch.from_numpy(model.fit_transform(x.numpy())).float(), SKLEARN


def class_names(meta: dict, option: Optional[str], labels: torch.Tensor) -> List[str]:
    """Names of the classes 0..max(label): --classes, else the feature file's, else numbers."""
    n = int(labels.max()) + 1
    if option:
        if osp.isfile(option):
            with open(option, encoding='utf-8') as f:
                names = [line.strip() for line in f if line.strip()]
        else:
            names = [c.strip() for c in option.split(',')]
    else:
        names = list(meta.get('classes') or [])
    if not names:
        return [str(c) for c in range(n)]
    if len(names) < n:
        raise SystemExit(f'{len(names)} class names for labels up to {n - 1}')
    return names


def plot(y: torch.Tensor, labels: torch.Tensor, out: str, title: str, subtitle: str = '',
         names: Optional[List[str]] = None) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    classes = labels.unique().tolist()
    names = names or [str(c) for c in range(int(labels.max()) + 1)]
    fig, ax = plt.subplots(figsize=(8.5, 7), dpi=120)
    cmap = plt.get_cmap('tab10' if len(classes) <= 10 else 'tab20')
    size = 12 if len(labels) <= 2000 else 4
    for i, c in enumerate(classes):
        m = labels == c
        ax.scatter(y[m, 0], y[m, 1], s=size, color=cmap(i % cmap.N), label=names[c],
                   alpha=0.8, linewidths=0)
    if len(classes) <= 20:
        ax.legend(markerscale=2, fontsize=9, loc='upper left', bbox_to_anchor=(1.01, 1.0),
                  frameon=False, title='class')
    ax.set_title(title, fontsize=12)
    if subtitle:
        fig.text(0.01, 0.01, subtitle, fontsize=8, color='0.35', ha='left', va='bottom')
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description='t-SNE plot of saved features')
    p.add_argument('features')
    p.add_argument('--out', required=True, help='PNG file')
    p.add_argument('--split', default='test')
    p.add_argument('--max-points', type=int, default=2000)
    p.add_argument('--perplexity', type=float, default=30.)
    p.add_argument('--iters', type=int, default=1000)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--no-norm', action='store_true')
    p.add_argument('--classes', help='class names for the legend: "a,b,c" or a file with one a '
                   'line (default: the names saved by extract_features.py, else the labels)')
    p.add_argument('--title', help='plot title (default: checkpoint and split)')
    args = p.parse_args()
    data = load_features(args.features)
    meta = data['meta']
    x, labels = data[args.split]
    names = class_names(meta, args.classes, labels)
    rows = pick_rows(labels, args.max_points, args.seed)
    x, labels = x[rows].float(), labels[rows]
    if not args.no_norm:
        x = F.normalize(x, dim=1)
    y, impl = embed(x, args.perplexity, args.iters, args.seed)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    checkpoint = osp.basename(str(meta.get('checkpoint', ''))) or 'features'
    title = args.title or (f"t-SNE of {meta.get('representation') or 'backbone'} features: "
                           f"{checkpoint}, {args.split} split")
    subtitle = (f"{len(rows)} points, {x.shape[1]}-d{'' if args.no_norm else ' L2-normalised'}, "
                f"perplexity {args.perplexity:g}, {impl}; {osp.basename(args.features)}")
    plot(y, labels, args.out, title, subtitle, names)
    torch.save(dict(embedding=y, labels=labels, rows=rows, implementation=impl,
                    classes=names), osp.splitext(args.out)[0] + '.pth')
    print(f'wrote {args.out} ({len(rows)} points, {impl})')


if __name__ == '__main__':
    main()
