"""CMC's noise-contrastive objectives (Tian, Krishnan, Isola, arXiv 1906.05849).

Two criteria on the ``B x (K+1)`` scores of each anchor against its own
memory entry (column 0) and K noise entries drawn from a memory bank
(official ``NCE/NCECriterion.py``; docs/methods/cmc.md):

* :func:`nce_loss` -- binary NCE with noise distribution ``Pn = 1/N`` and
  ``m = K`` noise samples per positive, on ``x = exp(s/T) / Z``:

      log D1 = log( x_0 / (x_0 + K Pn + eps) )
      log D0 = log( K Pn / (x_j + K Pn + eps) ),      j = 1..K
      loss   = -( sum_b log D1_b + sum_{b,j} log D0_bj ) / B

  i.e. summed over the K noise terms and averaged over the batch.
* :func:`nce_softmax_loss` -- cross-entropy over the K+1 logits ``s/T`` with
  the positive as label 0 (``NCESoftmaxLoss``, the README's recommendation).

For the short-budget variant that contrasts within the batch instead of
against the memory, :func:`cross_view_batch_scores` lays out the same
``[B, K+1]`` block from this step's features of the other view.

Plus the two small pieces of the memory bank's maths that tests pin down:
:func:`nce_partition_estimate` (the Monte-Carlo ``Z``) and
:func:`momentum_memory_update`.
"""
from typing import Union

import torch
import torch.nn.functional as F
from torch import Tensor


def _check_scores(x: Tensor, name: str) -> None:
    if x.dim() != 2 or x.shape[1] < 2:
        raise ValueError(f'{name} expects a 2-D tensor [B, K+1] with K >= 1 noise columns '
                         f'(positive first), got shape {tuple(x.shape)}')


def nce_loss(x: Tensor, n_data: int, eps: float = 1e-7) -> Tensor:
    """CMC's NCE criterion (``NCECriterion``).

    Args:
        x (Tensor): ``[B, K+1]`` normalised scores ``exp(s/T) / Z``, the
            positive (the anchor's own memory entry) in column 0.
        n_data (int): the dataset size N; the noise distribution is uniform,
            ``Pn = 1/N``.
        eps (float): the official 1e-7 in both denominators. It is *not*
            negligible: with N = 1.28 M, ``K Pn`` and ``eps`` are of the same
            order and the loss shifts by about ``eps N`` (docs/methods/cmc.md, "Test vectors").

    Returns:
        Tensor: scalar, ``-(sum log D1 + sum log D0) / B``.
    """
    _check_scores(x, 'nce_loss')
    if not (isinstance(n_data, int) and n_data >= 1):
        raise ValueError(f'n_data must be a positive integer (the dataset size), got {n_data!r}')
    if eps < 0:
        raise ValueError(f'eps must be >= 0, got {eps}')
    batch, k = x.shape[0], x.shape[1] - 1
    k_pn = k / n_data
    pos, noise = x[:, 0], x[:, 1:]
    log_d1 = torch.log(pos / (pos + k_pn + eps))
    log_d0 = torch.log(k_pn / (noise + k_pn + eps))
    return -(log_d1.sum() + log_d0.sum()) / batch


def nce_softmax_loss(scores: Tensor, temperature: float = 0.07) -> Tensor:
    """Cross-entropy of the positive among K+1 candidates (``NCESoftmaxLoss``).

    ``loss = mean_b [ -s_b0 / T + log sum_j exp(s_bj / T) ]``

    Args:
        scores (Tensor): ``[B, K+1]`` raw inner products ``s`` (cosines for
            unit vectors), positive in column 0.
        temperature (float): T.
    """
    _check_scores(scores, 'nce_softmax_loss')
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')
    labels = torch.zeros(scores.shape[0], dtype=torch.long, device=scores.device)
    return F.cross_entropy(scores / temperature, labels)


def cross_view_batch_scores(anchor: Tensor, other: Tensor, offset: int = 0) -> Tensor:
    """Scores of each anchor against this step's other-view features.

    ``s[b, 0] = <other[offset + b], anchor[b]>`` (the anchor's own sample)
    and ``s[b, 1:]`` the inner products with every other row of ``other``
    in their order: the ``[B, M]`` block of :func:`nce_softmax_loss` with
    ``K = M - 1`` noise columns, as fresh as the positive. ``other`` is
    detached, as the memory rows it replaces are; it may be the features of
    every rank (all-gathered), of which this rank's start at ``offset``.
    """
    if anchor.dim() != 2 or other.dim() != 2 or anchor.shape[1] != other.shape[1]:
        raise ValueError(f'anchor [B, D] and other [M, D] must be 2-D with the same D, got '
                         f'{tuple(anchor.shape)} and {tuple(other.shape)}')
    batch, rows = anchor.shape[0], other.shape[0]
    if not 0 <= offset <= rows - batch or rows < 2:
        raise ValueError(f'the anchors ({batch} rows from offset {offset}) must lie within the '
                         f'{rows} rows of other, and other needs at least 2 rows')
    scores = anchor @ other.detach().to(anchor.dtype).t()
    own = torch.zeros_like(scores, dtype=torch.bool)
    rows_b = torch.arange(batch, device=scores.device)
    own[rows_b, offset + rows_b] = True
    return torch.cat([scores[own].view(batch, 1), scores[~own].view(batch, rows - 1)], dim=1)


def nce_partition_estimate(exp_scores: Tensor, n_data: int) -> Tensor:
    """CMC's Monte-Carlo partition function ``Z = mean(exp(s/T)) * N``.

    The mean runs over every entry of the ``[B, K+1]`` block (positives
    included), as in ``NCEAverage``. Returned detached: Z is a constant of
    the objective, never a function of the parameters.
    """
    if not (isinstance(n_data, int) and n_data >= 1):
        raise ValueError(f'n_data must be a positive integer (the dataset size), got {n_data!r}')
    return exp_scores.detach().mean() * n_data


def momentum_memory_update(old: Tensor, new: Tensor,
                           momentum: Union[float, Tensor] = 0.5) -> Tensor:
    """``normalize(m * old + (1 - m) * new)`` row-wise (CMC's memory update).

    Args:
        old (Tensor): ``[B, D]`` current memory rows.
        new (Tensor): ``[B, D]`` this step's features of the same samples.
        momentum (float): m, the weight of the old entry (``--nce_m`` 0.5).
    """
    if not 0 <= momentum <= 1:
        raise ValueError(f'momentum must be in [0, 1], got {momentum}')
    return F.normalize(old * momentum + new * (1 - momentum), dim=1)
