from typing import Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS


@MODELS.register_module()
class PoolBNFlattenNeck(BaseModule):
    """Average-pool a feature map, batch-normalise it, flatten it: VISSL's
    ``eval_mlp`` input for a spatial trunk output.

    DISSL's VISSL probe (``eval_resnet_in1k_linear.yaml``) reads ``res5``
    through ``AvgPool2d(6, stride=1)``: a 7 x 7 map at 224 px becomes 2 x 2,
    and ``BatchNorm2d(2048)`` + flatten give the 8192-d input of its linear
    classifier. The BN is trained (affine, PyTorch's default init).

    Args:
        in_channels (int): channels of the map (2048 for res5).
        kernel_size (int): pooling window. Defaults to 6.
        stride (int): pooling stride. Defaults to 1.
        eps, momentum (float): the BN's (VISSL's head defaults: 1e-5, 0.1).
    """

    def __init__(self, in_channels: int, kernel_size: int = 6, stride: int = 1,
                 eps: float = 1e-5, momentum: float = 0.1, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.kernel_size, self.stride = kernel_size, stride
        self.bn = nn.BatchNorm2d(in_channels, eps=eps, momentum=momentum)

    def forward(self, inputs: Tuple[Tensor, ...]) -> Tuple[Tensor, ...]:
        x = inputs[-1]
        if x.dim() != 4:
            raise ValueError(f'PoolBNFlattenNeck needs a [N, C, H, W] map, got {tuple(x.shape)}')
        x = F.avg_pool2d(x, self.kernel_size, self.stride)
        return (self.bn(x).flatten(1), )
