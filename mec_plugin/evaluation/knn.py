"""k-nearest-neighbour evaluation of frozen features.

Two protocols from the papers MEC is compared with:

* ``weighting='majority'``, ``metric='euclidean'``: the "best-NN" of the
  small-models paper (ssl-small ``eval/knn``): a plain majority vote over the
  k nearest training features, ties going to the smallest label id, for every
  odd k up to 101, reporting the best.
* ``weighting='exp'``, ``metric='cosine'``: the weighted vote of InstDisc /
  DINO: each neighbour votes for its class with weight ``exp(s / T)``.

Everything is chunked over test *and* training rows, so 1.28 M training and
50 k test features fit on one GPU or the CPU; the neighbours are found once
for the largest k and reused for every smaller k.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

METRICS = ('euclidean', 'cosine')
WEIGHTINGS = ('majority', 'exp')
REPRESENTATIONS = ('raw', 'norm', 'shift-norm')


def _check(train_feats: Tensor, train_labels: Tensor, test_feats: Tensor, k: int,
           metric: str, weighting: str) -> None:
    if train_feats.dim() != 2 or test_feats.dim() != 2 or train_feats.shape[1] != test_feats.shape[1]:
        raise ValueError('knn: features must be [N, D] with the same D, got '
                         f'{tuple(train_feats.shape)} and {tuple(test_feats.shape)}')
    if train_labels.shape != (train_feats.shape[0], ):
        raise ValueError(f'knn: train_labels must have shape ({train_feats.shape[0]},), '
                         f'got {tuple(train_labels.shape)}')
    if not 1 <= k <= train_feats.shape[0]:
        raise ValueError(f'knn: k must be in [1, {train_feats.shape[0]}], got {k}')
    if metric not in METRICS:
        raise ValueError(f"knn: metric must be one of {METRICS}, got '{metric}'")
    if weighting not in WEIGHTINGS:
        raise ValueError(f"knn: weighting must be one of {WEIGHTINGS}, got '{weighting}'")


@torch.no_grad()
def knn_neighbours(train_feats: Tensor, test_feats: Tensor, k: int, metric: str = 'euclidean',
                   test_chunk: int = 1024, train_chunk: int = 65536) -> Tuple[Tensor, Tensor]:
    """Indices and similarities of the k nearest training rows of each test row.

    Similarity is ``-distance^2`` (euclidean) or the cosine; sorted best first.
    Features are compared in float32 on ``test_feats``' device.
    """
    device = test_feats.device
    if metric == 'cosine':
        train_feats = F.normalize(train_feats.float(), dim=1)
        test_feats = F.normalize(test_feats.float(), dim=1)
    train_sq = train_feats.float().pow(2).sum(1) if metric == 'euclidean' else None
    all_sims, all_idx = [], []
    for t0 in range(0, test_feats.shape[0], test_chunk):
        q = test_feats[t0:t0 + test_chunk].to(device).float()
        best_s = q.new_full((q.shape[0], 0), float('-inf'))
        best_i = torch.empty((q.shape[0], 0), dtype=torch.long, device=device)
        for r0 in range(0, train_feats.shape[0], train_chunk):
            x = train_feats[r0:r0 + train_chunk].to(device).float()
            s = q @ x.t()
            if metric == 'euclidean':  # -|q - x|^2 up to the constant |q|^2
                s = 2 * s - train_sq[r0:r0 + train_chunk].to(device)
            kk = min(k, s.shape[1])
            s, i = s.topk(kk, dim=1)
            best_s, order = torch.cat([best_s, s], 1).topk(min(k, best_s.shape[1] + kk), dim=1)
            best_i = torch.cat([best_i, i + r0], 1).gather(1, order)
        if metric == 'euclidean':
            best_s = best_s - q.pow(2).sum(1, keepdim=True)
        all_sims.append(best_s)
        all_idx.append(best_i)
    return torch.cat(all_idx), torch.cat(all_sims)


def knn_vote(neighbour_labels: Tensor, neighbour_sims: Tensor, num_classes: int,
             weighting: str = 'majority', temperature: float = 0.07) -> Tensor:
    """Class scores [N, C] from the labels and similarities of the neighbours."""
    if weighting == 'majority':
        weights = torch.ones_like(neighbour_sims)
    else:
        weights = (neighbour_sims / temperature).exp()
    scores = torch.zeros(neighbour_labels.shape[0], num_classes, device=neighbour_labels.device)
    return scores.scatter_add_(1, neighbour_labels, weights.float())


@torch.no_grad()
def knn_predict(train_feats: Tensor,
                train_labels: Tensor,
                test_feats: Tensor,
                k: int,
                metric: str = 'euclidean',
                weighting: str = 'majority',
                temperature: float = 0.07,
                num_classes: Optional[int] = None) -> Tensor:
    """Predict a label for each test row from its k nearest training rows.

    Args:
        train_feats (Tensor): [N, D] training features.
        train_labels (Tensor): [N] integer labels.
        test_feats (Tensor): [M, D] features to classify.
        k (int): number of neighbours.
        metric (str): 'euclidean' or 'cosine'.
        weighting (str): 'majority' (one vote each; ties go to the smallest
            label id, as in ssl-small) or 'exp' (weights exp(sim / T), the
            InstDisc / DINO k-NN, with sim the cosine for ``metric='cosine'``).
        temperature (float): T of the 'exp' weighting.
        num_classes (int, optional): defaults to ``max(train_labels) + 1``.

    Returns:
        Tensor: [M] predicted labels (long), on ``test_feats``' device.
    """
    _check(train_feats, train_labels, test_feats, k, metric, weighting)
    num_classes = num_classes or int(train_labels.max()) + 1
    idx, sims = knn_neighbours(train_feats, test_feats, k, metric)
    labels = train_labels.to(idx.device)[idx]
    # argmax returns the first maximum: ties go to the smallest label id
    return knn_vote(labels, sims, num_classes, weighting, temperature).argmax(1)


def shift_normalise(train_feats: Tensor, *feats: Tensor) -> Tuple[Tensor, ...]:
    """Subtract the training-set mean, then L2-normalise (the 'shift-norm' space).

    The official ssl-small code subtracted the mean of each shuffled *batch*,
    which makes the result depend on the batch composition; the mean of the
    whole training set is the deterministic version of the same idea.
    """
    mean = train_feats.float().mean(0, keepdim=True)
    return tuple(F.normalize(f.float() - mean.to(f.device), dim=1) for f in (train_feats, ) + feats)


def to_representation(rep: str, train_feats: Tensor, test_feats: Tensor) -> Tuple[Tensor, Tensor]:
    """The features in one of the three spaces of the best-k protocol."""
    if rep == 'raw':
        return train_feats.float(), test_feats.float()
    if rep == 'norm':
        return F.normalize(train_feats.float(), dim=1), F.normalize(test_feats.float(), dim=1)
    if rep == 'shift-norm':
        return shift_normalise(train_feats, test_feats)
    raise ValueError(f"representation must be one of {REPRESENTATIONS}, got '{rep}'")


@torch.no_grad()
def knn_accuracy_per_k(train_feats: Tensor, train_labels: Tensor, test_feats: Tensor,
                       test_labels: Tensor, ks: Sequence[int], metric: str = 'euclidean',
                       weighting: str = 'majority', temperature: float = 0.07,
                       num_classes: Optional[int] = None) -> Dict[int, float]:
    """Top-1 accuracy (%) for every k in ``ks``, from one neighbour search."""
    k_max = max(ks)
    _check(train_feats, train_labels, test_feats, k_max, metric, weighting)
    num_classes = num_classes or int(max(train_labels.max(), test_labels.max())) + 1
    idx, sims = knn_neighbours(train_feats, test_feats, k_max, metric)
    labels = train_labels.to(idx.device)[idx]
    target = test_labels.to(idx.device)
    return {
        k: 100.0 * (knn_vote(labels[:, :k], sims[:, :k], num_classes, weighting,
                             temperature).argmax(1) == target).float().mean().item()
        for k in ks
    }


def best_k_accuracy(train_feats: Tensor, train_labels: Tensor, test_feats: Tensor,
                    test_labels: Tensor, k_max: int = 101, rep: str = 'raw') -> Dict:
    """ssl-small's best-NN: Euclidean majority vote for odd k = 1..k_max.

    Returns ``dict(best_k, best_acc, acc=dict(k -> %))``; among equal
    accuracies the smallest k wins.
    """
    train_feats, test_feats = to_representation(rep, train_feats, test_feats)
    ks = list(range(1, min(k_max, train_feats.shape[0]) + 1, 2))
    acc = knn_accuracy_per_k(train_feats, train_labels, test_feats, test_labels, ks)
    best_k = max(ks, key=lambda k: (acc[k], -k))
    return dict(best_k=best_k, best_acc=acc[best_k], acc=acc, rep=rep)
