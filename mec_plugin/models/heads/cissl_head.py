from typing import Dict, Optional

from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS
from ..losses.cissl_loss import cissl_loss


@MODELS.register_module()
class CISSLHead(BaseModule):
    """Student and teacher heads of CISSL and its loss dict.

    Dubois et al., NeurIPS 2022 (arXiv 2209.06235). The student must have the
    shape of the downstream probe (Linear + BatchNorm); the teacher is an
    unconstrained MLP + BatchNorm. Both see the two crops as one batch and
    :func:`mec_plugin.models.losses.cissl_loss` contrasts student rows
    against teacher columns (no stop-gradient, minimum log 2).

    Args:
        student (dict): :class:`mec_plugin.models.necks.ISSLMLP` config,
            e.g. ``out_channels=128, out_bias=False, last_bn=True``.
        teacher (dict): the teacher MLP config.
        temperature (float): tau. 0.07 (ISSL); 0.1 (VISSL ImageNet).
        gather_teacher (bool): teacher embeddings of every rank as negatives
            (VISSL). Defaults to True.
        init_cfg (dict, optional): init config.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 temperature: float = 0.07,
                 gather_teacher: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if not temperature > 0:
            raise ValueError(f'CISSLHead: temperature must be > 0, got {temperature!r}')
        self.student = MODELS.build(student)
        self.teacher = MODELS.build(teacher)
        self.temperature = float(temperature)
        self.gather_teacher = gather_teacher

    def loss(self, z: Tensor) -> Dict[str, Tensor]:
        """
        Args:
            z (Tensor): representations of both crops, [2B, d] (crop 1 first).

        Returns:
            dict: ``loss``.
        """
        if z.dim() != 2 or z.shape[0] % 2:
            raise ValueError(f'CISSLHead.loss expects [2B, d] (both crops stacked), '
                             f'got {tuple(z.shape)}')
        s1, s2 = self.student(z).chunk(2)
        t1, t2 = self.teacher(z).chunk(2)
        return dict(loss=cissl_loss(s1, s2, t1, t2, self.temperature, self.gather_teacher))
