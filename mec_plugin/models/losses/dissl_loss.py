"""DISSL loss: distillation for invariant self-supervised learning.

Dubois, Hashimoto, Ermon, Liang, "Improving Self-Supervised Learning by
Characterizing Idealized Representations", NeurIPS 2022 (arXiv 2209.06235);
official code YannDubs/Invariant-Self-Supervised-Learning
(``issl/losses/dissl.py``) and the ImageNet fork YannDubs/vissl
(``dstl_issl_loss.py``).

A teacher head assigns each crop to one of C "equivalence classes",
``t(M|z) = softmax(teacher_logits / tau_t)``; a linear student head predicts
that assignment from the *other* crop, ``log s(M|z) = log_softmax(student_logits
/ tau_s)``. With ``P[i] = t`` of crop i, ``LP[i] = log t`` and ``LQ[i] = log s``
(crops i in {0, 1}) and ``mean_b`` the batch mean::

    CE_pq = mean_{i != j} mean_b [ -sum_M P[i] LQ[j] ]     (distillation)
    H_M   = mean_i H( mean_b P[i] )                         (maximality)
    CE_pp = mean_{i != j} mean_b [ -sum_M P[i] LP[j] ]      (determinism + invariance)

    loss  = CE_pq - lambda * H_M + beta * CE_pp

Why the code looks the way it does:

* Nothing is detached: the teacher head also receives the gradient of the
  distillation term (the official comment: the effective determinism weight is
  then 1 + beta).
* H_M is the entropy of each crop's batch marginal, averaged over the two
  crops -- not the entropy of the pooled marginal of both crops.
* When distributed, the marginal is averaged over all ranks before its entropy
  (VISSL), with the gradient flowing back to every rank's own samples; single
  process (the ISSL code) is the same formula on the local batch.
* Logits go to float32 (float64 stays float64) with autocast off: the
  pipeline may be fp16, the softmax over C = 16384 classes must not be.

Multi-crop (VISSL's ImageNet m6 / m8 runs, :func:`dissl_terms_multicrop`):
the teacher sees the K global crops only (K = 2), the student all V crops
(globals first), and every average is the uniform mean over its pairs, as in
VISSL's ``DstlISSLCriterion`` (it sums the pair terms and divides by their
count)::

    CE_pq = mean_{i < K, q < V, q != i} mean_b [ -sum_M P[i] LQ[q] ]
    H_M   = mean_{i < K} H( mean_b P[i] )
    CE_pp = mean_{i < K, j < K, j != i} mean_b [ -sum_M P[i] LP[j] ]

With V = K = 2 these are the two-crop terms above (the same floating-point
value: (a + b) / 2 == 0.5 * (a + b) exactly).
"""
from typing import Dict, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from mec_plugin.utils import all_gather_with_grad


def _check(name: str, value: float, low: float, strict: bool) -> None:
    ok = value > low if strict else value >= low
    if not ok:
        raise ValueError(f"{name} must be {'>' if strict else '>='} {low}, got {value!r}")


def _as_float32(*logits: Tensor) -> Tuple[Tensor, ...]:
    dtype = torch.float32
    for x in logits:
        dtype = torch.promote_types(dtype, x.dtype)
    return tuple(x.to(dtype) for x in logits)


def cross_entropy_soft(target_probs: Tensor, log_probs: Tensor) -> Tensor:
    """``mean_b [ -sum_M p_bM log q_bM ]`` for rows of probabilities [B, C]."""
    return -(target_probs * log_probs).sum(dim=1).mean()


def gathered_marginal(probs: Tensor, gather: bool = True) -> Tensor:
    """Batch marginal ``mean_b probs[b]`` [C], averaged over ranks if distributed.

    The per-rank marginals (same local batch size everywhere) are all-gathered
    with gradients (:func:`mec_plugin.utils.all_gather_with_grad`: the backward
    sums the incoming gradients over ranks), so after DDP averages the
    parameter gradients they equal the single-process gradient of the whole
    global batch. Single process, or ``gather=False``: the local marginal.
    """
    local = probs.mean(dim=0)
    if not gather:
        return local
    return all_gather_with_grad(local.unsqueeze(0)).mean(dim=0)


def entropy(probs: Tensor, eps: float = 0.0) -> Tensor:
    """``H(p) = -sum_M p_M log p_M`` of a distribution [C] (0 log 0 = 0)."""
    return -torch.special.xlogy(probs, probs + eps).sum()


def dissl_terms(teacher_logits_1: Tensor,
                teacher_logits_2: Tensor,
                student_logits_1: Tensor,
                student_logits_2: Tensor,
                tau_teacher: float = 0.5,
                tau_student: float = 1.0,
                gather_marginal: bool = True) -> Dict[str, Tensor]:
    """The three terms of DISSL for two crops.

    Args:
        teacher_logits_1, teacher_logits_2 (Tensor): teacher-head logits of
            crop 1 and crop 2, [B, C] (row b of both crops is the same image).
        student_logits_1, student_logits_2 (Tensor): student-head logits,
            [B, C].
        tau_teacher (float): tau_t of ``softmax(teacher / tau_t)``. 0.5.
        tau_student (float): tau_s of ``log_softmax(student / tau_s)``. 1.0.
        gather_marginal (bool): average the marginal over ranks when
            distributed (VISSL). No-op in a single process.

    Returns:
        dict: ``ce_pq`` (distillation), ``h_m`` (maximality), ``ce_pp``
        (determinism + invariance) and, for the log only, ``ce_pq_same``
        (same-crop distillation); 0-dim float32 (float64 for float64 input).
    """
    shapes = {tuple(x.shape) for x in (teacher_logits_1, teacher_logits_2,
                                       student_logits_1, student_logits_2)}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError('dissl_terms expects four 2-D logits tensors of the same shape [B, C], '
                         f'got {[tuple(x.shape) for x in (teacher_logits_1, teacher_logits_2, student_logits_1, student_logits_2)]}')
    # the K = V = 2 case of the multi-crop terms (the same sums, bit for bit)
    return dissl_terms_multicrop((teacher_logits_1, teacher_logits_2),
                                 (student_logits_1, student_logits_2), tau_teacher, tau_student,
                                 gather_marginal)


def _objective(terms: Dict[str, Tensor], lambda_: float, beta: float, return_terms: bool):
    """``CE_pq - lambda * H_M + beta * CE_pp`` (and the terms, if asked)."""
    loss = terms['ce_pq'] - lambda_ * terms['h_m'] + beta * terms['ce_pp']
    return (loss, terms) if return_terms else loss


def dissl_loss(teacher_logits_1: Tensor,
               teacher_logits_2: Tensor,
               student_logits_1: Tensor,
               student_logits_2: Tensor,
               lambda_: float = 2.3,
               beta: float = 0.8,
               tau_teacher: float = 0.5,
               tau_student: float = 1.0,
               gather_marginal: bool = True,
               return_terms: bool = False
               ) -> Union[Tensor, Tuple[Tensor, Dict[str, Tensor]]]:
    """DISSL's objective ``CE_pq - lambda * H_M + beta * CE_pp`` for two crops.

    See the module docstring for the terms; gradients flow through both heads
    in every term (no stop-gradient).

    Args:
        teacher_logits_1, teacher_logits_2 (Tensor): teacher logits [B, C].
        student_logits_1, student_logits_2 (Tensor): student logits [B, C].
        lambda_ (float): weight of the maximality term H_M. 2.3.
        beta (float): weight of the determinism term CE_pp. 0.8 (ISSL);
            VISSL ImageNet uses 0.6 after a warm-up from 2.3
            (:class:`mec_plugin.engine.hooks.DISSLBetaWarmupHook`).
        tau_teacher (float): teacher temperature. 0.5.
        tau_student (float): student temperature. 1.0.
        gather_marginal (bool): average the cluster marginal over ranks.
        return_terms (bool): also return :func:`dissl_terms`' dict.

    Returns:
        Tensor | (Tensor, dict): the scalar loss (float32, or float64 for
        float64 input). Its minimum over balanced deterministic assignments is
        ``-lambda * log(min(B, C))``; uniform logits give
        ``(1 - lambda + beta) log C``.
    """
    _check('lambda_', lambda_, 0., False)
    _check('beta', beta, 0., False)
    terms = dissl_terms(teacher_logits_1, teacher_logits_2, student_logits_1, student_logits_2,
                        tau_teacher, tau_student, gather_marginal)
    return _objective(terms, lambda_, beta, return_terms)


def dissl_terms_multicrop(teacher_logits: Sequence[Tensor],
                          student_logits: Sequence[Tensor],
                          tau_teacher: float = 0.5,
                          tau_student: float = 1.0,
                          gather_marginal: bool = True) -> Dict[str, Tensor]:
    """The three terms of DISSL for K teacher (global) crops and V >= K student crops.

    VISSL's multi-crop DISSL (``MULTI_RES_SPLIT_CROPS [[0, 1], [0, null]]``):
    the teacher head sees the global crops, the student head every crop, the
    globals first, so crop i < K is the same crop for both heads::

        CE_pq = mean over pairs (i < K, q < V, q != i) of CE(P[i], LQ[q])
        H_M   = mean_{i < K} H(marginal of P[i])     (gathered over ranks)
        CE_pp = mean over pairs (i < K, j < K, j != i) of CE(P[i], LP[j])

    Each pair counts once (uniform mean, VISSL's sum / count): with 2 globals
    and N locals, CE_pq averages 2 (N + 1) pairs. Same-crop pairs (i, i) are
    only logged (``ce_pq_same``).

    Args:
        teacher_logits (Sequence[Tensor]): K >= 2 tensors [B, C], the teacher
            logits of the global crops.
        student_logits (Sequence[Tensor]): V >= K tensors [B, C], the student
            logits of all crops, the K globals first (same order as above).
        tau_teacher (float): teacher temperature. 0.5.
        tau_student (float): student temperature. 1.0.
        gather_marginal (bool): average the marginal over ranks (VISSL).

    Returns:
        dict: ``ce_pq``, ``h_m``, ``ce_pp``, ``ce_pq_same`` as in
        :func:`dissl_terms` (which it equals for K = V = 2).
    """
    teacher_logits, student_logits = list(teacher_logits), list(student_logits)
    k, v = len(teacher_logits), len(student_logits)
    if k < 2:
        raise ValueError(f'dissl_terms_multicrop: teacher_logits needs at least 2 (global) crops, '
                         f'got {k}')
    if v < k:
        raise ValueError(f'dissl_terms_multicrop: student_logits needs every crop (>= {k} = the '
                         f'teacher crops, globals first), got {v}')
    shapes = [tuple(x.shape) for x in teacher_logits + student_logits]
    if len(set(shapes)) != 1 or len(shapes[0]) != 2:
        raise ValueError('dissl_terms_multicrop expects 2-D logits of one shape [B, C] for every '
                         f'crop, got {shapes}')
    _check('tau_teacher', tau_teacher, 0., True)
    _check('tau_student', tau_student, 0., True)
    with torch.autocast(device_type=teacher_logits[0].device.type, enabled=False):
        logits = _as_float32(*teacher_logits, *student_logits)
        lp = [F.log_softmax(t / tau_teacher, dim=1) for t in logits[:k]]
        p = [x.exp() for x in lp]
        lq = [F.log_softmax(s / tau_student, dim=1) for s in logits[k:]]
        # sums over pairs, then one division (VISSL's order; exact for K = V = 2)
        ce_pq = sum(cross_entropy_soft(p[i], lq[q]) for i in range(k) for q in range(v) if q != i)
        ce_pq = ce_pq / (k * (v - 1))
        ce_pp = sum(cross_entropy_soft(p[i], lp[j]) for i in range(k) for j in range(k) if j != i)
        ce_pp = ce_pp / (k * (k - 1))
        h_m = sum(entropy(gathered_marginal(p[i], gather_marginal)) for i in range(k)) / k
        with torch.no_grad():
            ce_pq_same = sum(cross_entropy_soft(p[i], lq[i]) for i in range(k)) / k
    return dict(ce_pq=ce_pq, h_m=h_m, ce_pp=ce_pp, ce_pq_same=ce_pq_same)


def dissl_loss_multicrop(teacher_logits: Sequence[Tensor],
                         student_logits: Sequence[Tensor],
                         lambda_: float = 2.3,
                         beta: float = 0.8,
                         tau_teacher: float = 0.5,
                         tau_student: float = 1.0,
                         gather_marginal: bool = True,
                         return_terms: bool = False
                         ) -> Union[Tensor, Tuple[Tensor, Dict[str, Tensor]]]:
    """``CE_pq - lambda * H_M + beta * CE_pp`` with the multi-crop terms.

    Args:
        teacher_logits (Sequence[Tensor]): the K >= 2 global crops' teacher
            logits, each [B, C].
        student_logits (Sequence[Tensor]): all V >= K crops' student logits,
            each [B, C], globals first.
        lambda_, beta, tau_teacher, tau_student, gather_marginal: as in
            :func:`dissl_loss`.
        return_terms (bool): also return :func:`dissl_terms_multicrop`'s dict.

    Returns:
        Tensor | (Tensor, dict): the scalar loss; for two crops the value of
        :func:`dissl_loss`.
    """
    _check('lambda_', lambda_, 0., False)
    _check('beta', beta, 0., False)
    terms = dissl_terms_multicrop(teacher_logits, student_logits, tau_teacher, tau_student,
                                  gather_marginal)
    return _objective(terms, lambda_, beta, return_terms)


__all__ = ['dissl_loss', 'dissl_terms', 'dissl_loss_multicrop', 'dissl_terms_multicrop',
           'gathered_marginal']
