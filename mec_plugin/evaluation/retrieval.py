"""Instance-discrimination retrieval accuracy (ssl-small ``eval/instdisc``).

The pretext task of contrastive learning, measured on a static augmented set
(an original image and two augmented views of it): a query must find its own
positive among the other images of its chunk.

For a chunk of n images with L2-normalised query rows ``q`` and positive rows
``p``, the logits of query i are::

    [<q_i, p_i>, <q_i, q_1>, ..., <q_i, q_n>]

The negatives are *all* query-domain rows of the chunk, **q_i itself
included** (similarity 1, as in the official code). That self-similarity always
outranks the positive (or ties with it), so it takes one slot: the official
code computes accuracy at k = 2 .. topk + 1 and reports it as top-1 .. top-k.
Here "top-k correct" is therefore: at most k logits of the negatives are
strictly larger than the positive's. Ties count in the positive's favour,
which makes views equal to the originals give 100 % (the official ``topk``
could place a tie either way).

Modes:
* ``'d-sd'`` (default of the official code): queries are the originals
  (domain D), positives view 1 (shifted domain SD);
* ``'sd-sd'``: queries view 1, positives view 2.

The accuracy is computed per chunk and averaged over chunks; a chunk is one
class of the static set (its ``images-per-class`` originals, sorted by class),
as in the official code.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

RETRIEVAL_MODES = ('d-sd', 'sd-sd')


def retrieval_ranks(queries: Tensor, positives: Tensor) -> Tensor:
    """How many negatives outrank each positive, within one chunk.

    Args:
        queries (Tensor): [n, D] query rows (L2-normalised here).
        positives (Tensor): [n, D] the positive of each query.

    Returns:
        Tensor: [n] long, the number of the n negatives (all queries, the
        query itself included) whose similarity to query i is strictly larger
        than that of its positive. At least 1 unless the positive ties with
        the query itself.
    """
    if queries.shape != positives.shape or queries.dim() != 2:
        raise ValueError('retrieval: queries and positives must both be [n, D], got '
                         f'{tuple(queries.shape)} and {tuple(positives.shape)}')
    q = F.normalize(queries.double(), dim=1)
    p = F.normalize(positives.double(), dim=1)
    pos = (q * p).sum(1, keepdim=True)
    neg = q @ q.t()
    # float64 and a tiny tolerance: an exact copy of the query must tie with
    # its self-similarity, not lose to it by a rounding error
    return (neg > pos + 1e-9).sum(1)


def retrieval_accuracy(queries: Tensor, positives: Tensor, topk: int = 5,
                       chunks: Optional[Tensor] = None) -> Dict[int, float]:
    """Top-1 .. top-k retrieval accuracy (%) of positives among the queries' chunk.

    Args:
        queries (Tensor): [N, D] query features.
        positives (Tensor): [N, D] positive features, row i the positive of query i.
        topk (int): report top-1 .. top-``topk``.
        chunks (Tensor, optional): [N] chunk id of each row (the class of the
            static set). Defaults to one chunk of all rows.

    Returns:
        dict: ``{k: accuracy in %}``, the mean over chunks.
    """
    if chunks is None:
        chunks = torch.zeros(queries.shape[0], dtype=torch.long)
    if chunks.shape != (queries.shape[0], ):
        raise ValueError(f'retrieval: chunks must have shape ({queries.shape[0]},)')
    per_chunk = []
    for c in chunks.unique():
        mask = chunks == c
        ranks = retrieval_ranks(queries[mask], positives[mask])
        # ranks counts the self-similarity slot, so reported top-k = rank <= k
        per_chunk.append(torch.stack([(ranks <= k).double().mean() for k in range(1, topk + 1)]))
    acc = 100.0 * torch.stack(per_chunk).mean(0)
    return {k: float(acc[k - 1]) for k in range(1, topk + 1)}


def instdisc_retrieval(orig: Tensor, view1: Tensor, view2: Tensor, mode: str = 'd-sd',
                       topk: int = 5, chunks: Optional[Tensor] = None) -> Dict[int, float]:
    """ssl-small's instance-discrimination retrieval in ``'d-sd'`` or ``'sd-sd'`` mode."""
    queries, positives = retrieval_pair(orig, view1, view2, mode)
    return retrieval_accuracy(queries, positives, topk, chunks)


def retrieval_pair(orig: Tensor, view1: Tensor, view2: Tensor, mode: str) -> Tuple[Tensor, Tensor]:
    """(queries, positives) of a retrieval mode."""
    if mode == 'd-sd':
        return orig, view1
    if mode == 'sd-sd':
        return view1, view2
    raise ValueError(f"retrieval mode must be one of {RETRIEVAL_MODES}, got '{mode}'")
