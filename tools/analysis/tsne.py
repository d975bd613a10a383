"""t-SNE plot of saved features, coloured by class.

    python tools/analysis/tsne.py FEATURES --out tsne.png [--split test]
        [--max-points 2000] [--perplexity 30] [--iters 1000] [--seed 0] [--no-norm]

FEATURES is written by ``extract_features.py``. Rows are L2-normalised first
(``--no-norm`` keeps them raw); at most ``--max-points`` rows are drawn, an
equal share per class, chosen with ``--seed``. scikit-learn's ``TSNE`` is
used when installed; otherwise the plugin's exact O(N^2) t-SNE
(``mec_plugin.evaluation.tsne_embed``), which the tool says. The embedding
is also saved next to the PNG (``.pth``).
"""
import argparse
import os
import os.path as osp

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


def embed(x: torch.Tensor, perplexity: float, iters: int, seed: int):
    """(embedding [N, 2], name of the implementation)."""
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        print('scikit-learn is not installed: using the plugin\'s exact t-SNE')
        return tsne_embed(x, perplexity, iters, seed=seed), 'mec_plugin.evaluation.tsne_embed'
    kwargs = dict(n_components=2, perplexity=min(perplexity, (len(x) - 1) / 3), init='pca',
                  random_state=seed)
    try:
        model = TSNE(max_iter=max(iters, 250), **kwargs)
    except TypeError:  # scikit-learn < 1.5 names it n_iter
        model = TSNE(n_iter=max(iters, 250), **kwargs)
    return torch.from_numpy(model.fit_transform(x.numpy())).float(), 'sklearn.manifold.TSNE'


def plot(y: torch.Tensor, labels: torch.Tensor, out: str, title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 7), dpi=120)
    cmap = plt.get_cmap('tab10' if int(labels.max()) < 10 else 'tab20')
    for i, c in enumerate(labels.unique().tolist()):
        m = labels == c
        ax.scatter(y[m, 0], y[m, 1], s=4, color=cmap(i % cmap.N), label=str(c))
    if len(labels.unique()) <= 20:
        ax.legend(markerscale=3, fontsize=7, loc='best')
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
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
    args = p.parse_args()
    data = load_features(args.features)
    x, labels = data[args.split]
    rows = pick_rows(labels, args.max_points, args.seed)
    x, labels = x[rows].float(), labels[rows]
    if not args.no_norm:
        x = F.normalize(x, dim=1)
    y, impl = embed(x, args.perplexity, args.iters, args.seed)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    title = f"{data['meta'].get('checkpoint', '')} [{args.split}, {len(rows)} points, {impl}]"
    plot(y, labels, args.out, title)
    torch.save(dict(embedding=y, labels=labels, rows=rows, implementation=impl),
               osp.splitext(args.out)[0] + '.pth')
    print(f'wrote {args.out} ({len(rows)} points, {impl})')


if __name__ == '__main__':
    main()
