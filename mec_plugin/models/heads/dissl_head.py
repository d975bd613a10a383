from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS
from ..losses.dissl_loss import dissl_loss_multicrop


@MODELS.register_module()
class DISSLHead(BaseModule):
    """Teacher and student heads of DISSL and its loss dict.

    Dubois et al., NeurIPS 2022 (arXiv 2209.06235). With two crops both heads
    see the representations of both crops as one batch (their BatchNorm
    statistics span the 2B rows, as in the official code); with multi-crop the
    teacher sees the global crops only and the student all crops. Nothing is
    detached, and :func:`mec_plugin.models.losses.dissl_loss_multicrop`
    (= :func:`~mec_plugin.models.losses.dissl_loss` for two crops) combines
    them::

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

    def loss(self, z: Tensor, num_views: int = 2,
             num_teacher_views: int = 2) -> Dict[str, Tensor]:
        """
        Args:
            z (Tensor): representations of all crops, [V * B, d]; rows
                v * B .. (v + 1) * B - 1 are crop v of the same B images, the
                global (teacher) crops first.
            num_views (int): V, the number of crops. 2 without multi-crop.
            num_teacher_views (int): K, the leading crops the teacher sees
                (VISSL: the first resolution group, the 2 global crops).

        The teacher head runs once on the K * B global rows, the student head
        once on all V * B rows (VISSL's ``MULTI_RES_SPLIT_CROPS [[0, 1],
        [0, null]]``: each head's BatchNorm sees its crops as one batch); with
        V = K = 2 both see the same 2B rows, as in the two-crop code.

        Returns:
            dict: ``loss`` (optimised) and, for the log, ``ce_pq``, ``h_m``,
            ``ce_pp``, ``ce_pq_same`` and ``beta``.
        """
        if not 2 <= num_teacher_views <= num_views:
            raise ValueError(f'DISSLHead.loss: need 2 <= num_teacher_views <= num_views, got '
                             f'num_teacher_views={num_teacher_views!r}, num_views={num_views!r}')
        if z.dim() != 2 or z.shape[0] % num_views:
            raise ValueError(f'DISSLHead.loss expects [num_views * B, d] (all crops stacked, '
                             f'num_views={num_views}), got {tuple(z.shape)}')
        batch = z.shape[0] // num_views
        teacher = self.teacher(z[:num_teacher_views * batch]).chunk(num_teacher_views)
        student = self.student(z).chunk(num_views)
        loss, terms = dissl_loss_multicrop(teacher, student, self.lambda_, self.current_beta,
                                           self.tau_teacher, self.tau_student,
                                           self.gather_marginal, return_terms=True)
        out = dict(loss=loss)
        out.update({k: v.detach() for k, v in terms.items()})
        out['beta'] = torch.tensor(self.current_beta, device=loss.device)
        return out
