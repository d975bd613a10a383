"""A small exact t-SNE (van der Maaten & Hinton 2008) for feature plots.

``tools/analysis/tsne.py`` uses scikit-learn's ``TSNE`` when it is installed;
this O(N^2) version is the fallback for environments without it, fine for the
few thousand points a plot shows.
"""
import math

import torch
from torch import Tensor


def _conditional_probabilities(sq_dist: Tensor, perplexity: float, iters: int = 60) -> Tensor:
    """Row-wise P(j | i) with each row's Gaussian width set by bisection to the perplexity."""
    n = sq_dist.shape[0]
    target = math.log(perplexity)
    lo = torch.full((n, 1), 1e-20, dtype=sq_dist.dtype)
    hi = torch.full((n, 1), 1e20, dtype=sq_dist.dtype)
    beta = torch.ones(n, 1, dtype=sq_dist.dtype)
    eye = torch.eye(n, dtype=torch.bool)
    for _ in range(iters):
        logits = (-sq_dist * beta).masked_fill(eye, float('-inf'))
        p = torch.softmax(logits, dim=1)
        entropy = -(p * torch.log(p.clamp_min(1e-300))).sum(1, keepdim=True)
        too_flat = entropy > target  # too wide a kernel: raise beta
        lo = torch.where(too_flat, beta, lo)
        hi = torch.where(too_flat, hi, beta)
        beta = torch.where(hi < 1e19, (lo + hi) / 2, beta * 2)
    return p


def tsne_embed(x: Tensor, perplexity: float = 30., iters: int = 1000, lr: float = 200.,
               seed: int = 0) -> Tensor:
    """2-D t-SNE embedding of the rows of ``x`` ([N, D] -> [N, 2]), deterministic for a seed."""
    x = x.double()
    n = x.shape[0]
    perplexity = min(perplexity, (n - 1) / 3)
    sq = torch.cdist(x, x).pow(2)
    p = _conditional_probabilities(sq / sq.mean(), perplexity)
    p = ((p + p.t()) / (2 * n)).clamp_min(1e-12)
    g = torch.Generator().manual_seed(seed)
    y = 1e-4 * torch.randn(n, 2, generator=g, dtype=torch.float64)
    velocity = torch.zeros_like(y)
    gains = torch.ones_like(y)
    exaggeration_iters = min(250, iters // 4)
    for it in range(iters):
        exaggeration = 12. if it < exaggeration_iters else 1.
        momentum = 0.5 if it < exaggeration_iters else 0.8
        num = 1. / (1. + torch.cdist(y, y).pow(2))
        num.fill_diagonal_(0.)
        q = (num / num.sum()).clamp_min(1e-12)
        # dC/dy_i = 4 sum_j (p_ij - q_ij) (y_i - y_j) / (1 + |y_i - y_j|^2)
        w = (exaggeration * p - q) * num
        grad = 4. * (w.sum(1, keepdim=True) * y - w @ y)
        # the delta-bar-delta gains of the reference implementation
        gains = torch.where((grad > 0) != (velocity > 0), gains + 0.2, gains * 0.8).clamp_min(0.01)
        velocity = momentum * velocity - lr * gains * grad
        y = y + velocity
        y = y - y.mean(0)
    return y.float()
