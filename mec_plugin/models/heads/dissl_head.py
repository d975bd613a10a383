from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS
from ..losses.dissl_loss import dissl_loss


@MODELS.register_module()
class DISSLHead(BaseModule):
    """Teacher and student heads of DISSL and its loss dict.

    Dubois et al., NeurIPS 2022 (arXiv 2209.06235). Both heads see the
    representations of both crops as one batch (their BatchNorm statistics
    span the 2B rows, as in the official code), nothing is detached, and
    :func:`mec_plugin.models.losses.dissl_loss` combines them::

        loss = CE_pq - lambda * H_M + beta * CE_pp

    Args:
        teacher (dict): the teacher head, an MLP to C logits
            (:class:`mec_plugin.models.necks.ISSLMLP`).
        student (dict): the student head, linear (possibly low rank) to C
            logits.
        lambda_ (float): maximality weight. 2.3.
        beta (float): determinism weight after any warm-up. 0.8 (ISSL);
            0.6 in VISSL's ImageNet runs.
        tau_teacher (float): teacher temperature. 0.5.
        tau_student (float): student temperature. 1.0.
        gather_marginal (bool): average the cluster marginal over ranks
            (VISSL). Defaults to True.
        init_cfg (dict, optional): init config.

    Attributes:
        current_beta (float): the beta of the next step; :class:`DISSLBetaWarmupHook`
            writes it before each iteration, otherwise it stays ``beta``.
    """

    def __init__(self,
                 teacher: dict,
                 student: dict,
                 lambda_: float = 2.3,
                 beta: float = 0.8,
                 tau_teacher: float = 0.5,
                 tau_student: float = 1.0,
                 gather_marginal: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        for name, value, strict in (('lambda_', lambda_, False), ('beta', beta, False),
                                    ('tau_teacher', tau_teacher, True),
                                    ('tau_student', tau_student, True)):
            if not (value > 0 if strict else value >= 0):
                raise ValueError(f"DISSLHead: {name} must be {'>' if strict else '>='} 0, got {value!r}")
        self.teacher = MODELS.build(teacher)
        self.student = MODELS.build(student)
        self.lambda_ = float(lambda_)
        self.beta = float(beta)
        self.current_beta = float(beta)
        self.tau_teacher = float(tau_teacher)
        self.tau_student = float(tau_student)
        self.gather_marginal = gather_marginal

    def loss(self, z: Tensor) -> Dict[str, Tensor]:
        """
        Args:
            z (Tensor): representations of both crops, [2B, d]; rows 0..B-1
                are crop 1, rows B..2B-1 crop 2 of the same images.

        Returns:
            dict: ``loss`` (optimised) and, for the log, ``ce_pq``, ``h_m``,
            ``ce_pp``, ``ce_pq_same`` and ``beta``.
        """
        if z.dim() != 2 or z.shape[0] % 2:
            raise ValueError(f'DISSLHead.loss expects [2B, d] (both crops stacked), '
                             f'got {tuple(z.shape)}')
        t1, t2 = self.teacher(z).chunk(2)
        s1, s2 = self.student(z).chunk(2)
        loss, terms = dissl_loss(t1, t2, s1, s2, self.lambda_, self.current_beta,
                                 self.tau_teacher, self.tau_student, self.gather_marginal,
                                 return_terms=True)
        out = dict(loss=loss)
        out.update({k: v.detach() for k, v in terms.items()})
        out['beta'] = torch.tensor(self.current_beta, device=loss.device)
        return out
