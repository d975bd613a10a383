"""CISSL loss: contrastive ISSL, and the SimCLR loss it generalises.

Dubois, Hashimoto, Ermon, Liang, NeurIPS 2022 (arXiv 2209.06235); official
code ``issl/losses/contrastive.py`` and VISSL's ``cntr_issl_loss.py``.

A *student* head (linear + BN, the shape of the downstream linear probe) and
an unconstrained *teacher* head embed both crops of every image; rows are
L2-normalised. With ``S = cat[s_1, s_2]`` and ``T = cat[t_1, t_2]`` ([2B, d])::

    L = S T^T / tau                              [2B, 2B]  (float32)
    q = log_softmax(L, dim=1)                    (over all 2B columns)
    loss = mean_r -1/2 (q[r, r] + q[r, r +- B])

Row r has two positives: the same crop through the teacher (column r) and the
other crop (r +- B): the target mask is ``eye(B).repeat(2, 2)``. There is no
self-masking because the two heads differ, so the minimum is log 2, not 0.

Distributed (VISSL): the teacher embeddings of all ranks are gathered with
gradients (the backward sums them over ranks, as VISSL's ``gather_from_all``),
the local student rows are scored against every global column, and the
positives sit in this rank's own block of 2B columns. The columns are the same
set as in the single-process loss on the global batch, so the value and (after
DDP's averaging) the gradients are those of the whole batch.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import get_rank
from torch import Tensor

from mec_plugin.utils import all_gather_with_grad


def _check_pairs(name: str, *xs: Tensor) -> None:
    shapes = [tuple(x.shape) for x in xs]
    if len(set(shapes)) != 1 or len(shapes[0]) != 2:
        raise ValueError(f'{name} expects 2-D embeddings of the same shape [B, d], got {shapes}')


def _check_temperature(temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature!r}')


def _normalised(*xs: Tensor) -> Tuple[Tensor, ...]:
    dtype = torch.float32
    for x in xs:
        dtype = torch.promote_types(dtype, x.dtype)
    return tuple(F.normalize(x.to(dtype), dim=1) for x in xs)


def _global_log_probs(queries: Tensor, keys: Tensor, temperature: float,
                      gather: bool, mask_self: bool) -> Tuple[Tensor, int]:
    """log_softmax of ``queries @ all_keys^T / tau`` over the global columns.

    Returns the [2B, 2B] block of this rank's own keys and its column offset.
    ``mask_self`` removes column r of row r (SimCLR's shared head).
    """
    all_keys = all_gather_with_grad(keys) if gather else keys
    offset = get_rank() * keys.shape[0] if all_keys is not keys else 0
    logits = queries @ all_keys.t() / temperature
    if mask_self:
        rows = torch.arange(queries.shape[0], device=logits.device)
        logits = logits.index_put((rows, rows + offset),
                                  torch.tensor(float('-inf'), dtype=logits.dtype,
                                               device=logits.device))
    log_q = F.log_softmax(logits, dim=1)
    return log_q[:, offset:offset + keys.shape[0]], offset


def cissl_loss(student_1: Tensor,
               student_2: Tensor,
               teacher_1: Tensor,
               teacher_2: Tensor,
               temperature: float = 0.07,
               gather_teacher: bool = True) -> Tensor:
    """CISSL's loss ``mean_r -1/2 (log q[r, r] + log q[r, r +- B])``.

    Args:
        student_1, student_2 (Tensor): student-head embeddings of crop 1 and
            crop 2, [B, d] (normalised here).
        teacher_1, teacher_2 (Tensor): teacher-head embeddings, [B, d].
        temperature (float): tau. 0.07 (ISSL, notebook); 0.1 in VISSL's
            ImageNet runs.
        gather_teacher (bool): gather the teacher embeddings of every rank as
            negatives when distributed (VISSL). No-op in a single process.

    Returns:
        Tensor: scalar, float32 (float64 for float64 input); >= log 2.
    """
    _check_pairs('cissl_loss', student_1, student_2, teacher_1, teacher_2)
    _check_temperature(temperature)
    with torch.autocast(device_type=student_1.device.type, enabled=False):
        s1, s2, t1, t2 = _normalised(student_1, student_2, teacher_1, teacher_2)
        batch = s1.shape[0]
        log_q, _ = _global_log_probs(torch.cat([s1, s2]), torch.cat([t1, t2]), temperature,
                                     gather_teacher, mask_self=False)
        positives = torch.eye(batch, dtype=torch.bool, device=log_q.device).repeat(2, 2)
        return -0.5 * log_q[positives].view(2 * batch, 2).sum(dim=1).mean()


def simclr_loss(z_1: Tensor, z_2: Tensor, temperature: float = 0.07,
                gather: bool = True) -> Tensor:
    """SimCLR's NT-Xent with one shared head (the ISSL code's baseline mode).

    ``Z = norm(cat[z_1, z_2])``; row r is scored against every other row
    (itself removed), a (2B - 1)-way cross-entropy with the other crop of the
    same image as the positive. Distributed: the keys are gathered with
    gradients as in :func:`cissl_loss`.

    Returns:
        Tensor: scalar, float32 (float64 for float64 input); >= 0.
    """
    _check_pairs('simclr_loss', z_1, z_2)
    _check_temperature(temperature)
    with torch.autocast(device_type=z_1.device.type, enabled=False):
        z1, z2 = _normalised(z_1, z_2)
        batch = z1.shape[0]
        z = torch.cat([z1, z2])
        log_q, _ = _global_log_probs(z, z, temperature, gather, mask_self=True)
        other = torch.cat([torch.arange(batch, 2 * batch), torch.arange(batch)]).to(z.device)
        return -log_q.gather(1, other[:, None]).mean()


__all__ = ['cissl_loss', 'simclr_loss']
