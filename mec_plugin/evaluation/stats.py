"""Representation statistics on L2-normalised features (Wang & Isola 2020;
ssl-small ``eval/stats-dist``)."""
import torch
import torch.nn.functional as F
from torch import Tensor


def alignment(x: Tensor, y: Tensor) -> Tensor:
    """``mean_i |x_i - y_i|^2`` (= 2 - 2 mean cos for unit rows); 0 for identical views.

    Rows are L2-normalised here, so raw features may be passed.
    """
    if x.shape != y.shape:
        raise ValueError(f'alignment: shapes differ, {tuple(x.shape)} vs {tuple(y.shape)}')
    x, y = F.normalize(x.float(), dim=1), F.normalize(y.float(), dim=1)
    return (x - y).pow(2).sum(1).mean()


def uniformity(x: Tensor, t: float = 2.0) -> Tensor:
    """``log mean_{i<j} exp(-t |x_i - x_j|^2)`` over all pairs of (normalised) rows."""
    if x.shape[0] < 2:
        raise ValueError('uniformity needs at least 2 rows')
    x = F.normalize(x.float(), dim=1)
    sq = torch.pdist(x, p=2).pow(2)
    return torch.logsumexp(-t * sq, dim=0) - torch.log(torch.tensor(float(sq.numel())))


def class_alignment(x: Tensor, labels: Tensor) -> Tensor:
    """Mean over classes of the mean squared distance between pairs of the class.

    Classes with fewer than two samples are skipped.
    """
    x = F.normalize(x.float(), dim=1)
    per_class = [torch.pdist(x[labels == c]).pow(2).mean()
                 for c in labels.unique() if int((labels == c).sum()) > 1]
    if not per_class:
        raise ValueError('class_alignment needs a class with at least 2 samples')
    return torch.stack(per_class).mean()


def effective_rank(x: Tensor, center: bool = True) -> Tensor:
    """Roy & Vetterli's effective rank: ``exp(H(s / sum s))`` of the singular values.

    1 for features on a line, D for features spread evenly over D dimensions.
    """
    x = x.double()
    if center:
        x = x - x.mean(0, keepdim=True)
    s = torch.linalg.svdvals(x)
    p = s / s.sum()
    p = p[p > 0]
    return torch.exp(-(p * p.log()).sum()).float()
