from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS
from mec_plugin.utils import all_gather_no_grad, all_gather_with_grad
from ..losses.mec_loss import (check_loss_options, coding_length_scale, lamda_inv_from_eps,
                               mec_loss, taylor_spectral_radius, taylor_trace_terms)


def _pair_traces(p1: Tensor, q2: Tensor, p2: Tensor, q1: Tensor, lamda_inv, order: int,
                 mode: str):
    """The Taylor terms of Tr log(I + C(p1, q2)) and the trace of C(p2, q1)'s series."""
    return (taylor_trace_terms(p1, q2, lamda_inv, order, mode),
            mec_loss(p2, q1, lamda_inv, order, mode))


@MODELS.register_module()
class MECHead(BaseModule):
    """Turns student projections and teacher embeddings into MEC's loss dict.

    The student's projections go through the predictor; teacher and student
    are gathered across ranks (the student keeping its gradients), so m is the
    global batch and ``1/lambda = lamda_inv_factor * m * eps^2 / d``. The loss
    is the official one (docs/methods/mec.md, "The objective")::

        loss = -lamda_inv * (T(p1, z2) + T(p2, z1)) / (2 m)

    with ``T`` the truncated (or exact) trace of :func:`mec_loss`.

    Args:
        predictor (dict): config of the predictor neck (student only).
        eps_square (float): eps^2, the squared distortion bound. Defaults to
            64 (official).
        taylor_order (int): Taylor order n. Defaults to 4.
        mode (str): 'auto' | 'batch' | 'feature' | 'exact'. Defaults to 'auto'.
        log_terms (bool): log every Taylor term (``taylor_k``) of the view-1
            teacher / view-2 student pair. Defaults to True.
        radius_iters (int): subspace-iteration steps of the spectral-radius
            estimate (:func:`taylor_spectral_radius`), run only when :attr:`estimate_radius` is set (by
            :class:`MECTaylorGuardHook`, every N iterations).
        compile_loss (bool): run both Taylor traces through one
            ``torch.compile``-d function (fused element-wise work, fewer
            kernel launches: the loss is launch-bound at small batches on a
            GPU). 1/lambda enters it as a 0-dim tensor, so the warm-up's
            changing value does not recompile it. Taylor modes only.
        init_cfg (dict, optional): init config.

    ``mode``, ``taylor_order`` and ``eps_square`` are checked when the head is
    built, by the loss module's :func:`check_loss_options`; the global batch
    m >= 2 by :class:`MEC`, before its first BatchNorm.

    Attributes:
        lamda_inv_factor (float): the warm-up factor on 1/lambda (8 -> 1),
            written by :class:`MECLambdaWarmupHook` before each iteration.
        estimate_radius (bool): estimate rho(C) in the next call.
        last_radius (Tensor | None): the latest estimate (not synchronised).
    """

    def __init__(self,
                 predictor: dict,
                 eps_square: float = 64.,
                 taylor_order: int = 4,
                 mode: str = 'auto',
                 log_terms: bool = True,
                 radius_iters: int = 20,
                 compile_loss: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        # the loss's own check, run at build time: a bad config fails before any data is
        # read. taylor_order is checked in every mode (a config field is valid or not).
        check_loss_options('MECHead', mode=mode, order=taylor_order, eps_square=eps_square,
                           order_name='taylor_order')
        if compile_loss and mode == 'exact':
            raise ValueError("MECHead: compile_loss applies to the Taylor modes, not mode='exact'")
        self.predictor = MODELS.build(predictor)
        self.eps_square = float(eps_square)
        self.taylor_order = taylor_order
        self.mode = mode
        self.log_terms = log_terms
        self.radius_iters = radius_iters
        self.lamda_inv_factor = 1.0
        self.estimate_radius = False
        self.last_radius: Optional[Tensor] = None
        self.last_lamda_inv = float('nan')
        self.compile_loss = compile_loss
        self._compiled_traces = None

    def lamda_inv(self, m: int, d: int) -> float:
        """1/lambda for a global batch of m embeddings of width d."""
        return self.lamda_inv_factor * lamda_inv_from_eps(m, d, self.eps_square)

    def loss(self, z1: Tensor, z2: Tensor, p1: Tensor,
             p2: Tensor) -> Dict[str, Tensor]:
        """
        Args:
            z1, z2 (Tensor): student projections of view 1 and 2, [B, d]
                (before the predictor).
            p1, p2 (Tensor): teacher embeddings of view 1 and 2, [B, d].

        Returns:
            dict: ``loss`` (optimised), and for the log ``coding_length``
            (mu * trace / m, the per-sample coding length of the official
            code), ``lamda_inv`` and ``taylor_k`` for k = 1..n.
        """
        q1 = all_gather_with_grad(self.predictor([z1])[0])
        q2 = all_gather_with_grad(self.predictor([z2])[0])
        p1 = all_gather_no_grad(p1.detach())
        p2 = all_gather_no_grad(p2.detach())
        m, d = q1.shape  # m >= 2: MEC.loss checks it before the first BatchNorm
        lamda_inv = self.lamda_inv(m, d)
        self.last_lamda_inv = lamda_inv

        if self.mode == 'exact':
            trace_12 = mec_loss(p1, q2, lamda_inv, mode='exact')
            terms = None
            trace_21 = mec_loss(p2, q1, lamda_inv, mode='exact')
        elif self.compile_loss:
            if self._compiled_traces is None:
                self._compiled_traces = torch.compile(_pair_traces, fullgraph=True, dynamic=False)
            # a float32 fill kernel: no host-to-device copy, no recompile per value
            lamda_inv_t = q1.new_full((), lamda_inv, dtype=torch.float32)
            terms, trace_21 = self._compiled_traces(p1, q2, p2, q1, lamda_inv_t,
                                                    self.taylor_order, self.mode)
            trace_12 = terms.sum()
        else:
            terms, trace_21 = _pair_traces(p1, q2, p2, q1, lamda_inv, self.taylor_order,
                                           self.mode)
            trace_12 = terms.sum()
        per_sample = 0.5 * (trace_12 + trace_21) / m

        losses = dict(
            loss=-lamda_inv * per_sample,
            coding_length=per_sample.detach() * coding_length_scale(m, d),
            # a fill kernel, not a host-to-device copy (no sync per step)
            lamda_inv=per_sample.new_full((), float(lamda_inv)).detach())
        if terms is not None and self.log_terms:
            for k, term in enumerate(terms.detach(), start=1):
                losses[f'taylor_{k}'] = term
        if self.estimate_radius:
            self.last_radius = torch.maximum(
                taylor_spectral_radius(p1, q2, lamda_inv, self.radius_iters),
                taylor_spectral_radius(p2, q1, lamda_inv, self.radius_iters))
            self.estimate_radius = False
        return losses
