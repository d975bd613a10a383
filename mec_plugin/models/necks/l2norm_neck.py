from typing import Tuple

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS


@MODELS.register_module()
class L2NormNeck(BaseModule):
    """L2-normalise pooled features before the classifier.

    The transfer protocol of ssl-small (``main_transfer.py``) replaces the
    classifier by ``Sequential(normalize, Linear)``: with features on the unit
    sphere, the lr of 30 used for frozen-feature probes suits every backbone.
    Put it after ``GlobalAveragePooling``; it has no parameters.

    Args:
        eps (float): the floor of the norm. Defaults to 1e-12 (torch's).
    """

    def __init__(self, eps: float = 1e-12, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.eps = eps

    def forward(self, inputs: Tuple[Tensor, ...]) -> Tuple[Tensor, ...]:
        return tuple(F.normalize(x, dim=1, eps=self.eps) for x in inputs)
