"""CMC's half-width AlexNet with BatchNorm (official ``models/alexnet.py``)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS

#: output index -> (name, official ``layer`` argument)
ALEXNET_STAGES = ('conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7', 'fc8')


def _conv_bn_relu(cin: int, cout: int, kernel: int, stride: int, padding: int,
                  pool: bool) -> nn.Sequential:
    # no conv bias: the BN that follows has its own
    layers = [nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout),
              nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(3, 2))
    return nn.Sequential(*layers)


@MODELS.register_module()
class CMCAlexNet(BaseModule):
    """One view's encoder of CMC's split AlexNet: AlexNet at half the channels
    (48-128-192-192-128 convs, 2048-2048 fc), BN after every conv and fc6/fc7.

    Input 224 x 224 gives conv5 (after its max-pool) 128 x 6 x 6 = 4608
    features, fc6 4608 -> 2048, fc7 2048 -> 2048, fc8 2048 -> ``feat_dim``
    followed by L2 normalisation.

    Args:
        in_channels (int): 1 for L, 2 for ab (or Y / CbCr).
        feat_dim (int): width of fc8, the embedding. Defaults to 128.
        out_indices (Sequence[int]): which outputs to return, 0-based over
            ``conv1 .. conv5, fc6, fc7, fc8`` (the official ``layer``
            argument minus one). Index 7 is the L2-normalised embedding.
            Defaults to (7, ).
        width (float): channel multiplier on the half-width net (1 = CMC's;
            smaller for tests and CPU runs).
        fc_in_size (int): spatial size of conv5's output (6 at 224 px).
    """

    def __init__(self, in_channels: int = 1, feat_dim: int = 128,
                 out_indices: Sequence[int] = (7, ), width: float = 1.,
                 fc_in_size: int = 6, init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        if not (isinstance(in_channels, int) and in_channels >= 1):
            raise ValueError(f'in_channels must be a positive integer, got {in_channels!r}')
        out_indices = tuple(out_indices)
        if not out_indices or any(not 0 <= i < len(ALEXNET_STAGES) for i in out_indices):
            raise ValueError(f'out_indices must be in [0, {len(ALEXNET_STAGES) - 1}] '
                             f'({", ".join(ALEXNET_STAGES)}), got {out_indices}')
        c = [max(1, int(round(n * width))) for n in (48, 128, 192, 192, 128, 2048)]
        self.out_indices = out_indices
        self.fc_in_size = fc_in_size
        self.conv_block_1 = _conv_bn_relu(in_channels, c[0], 11, 4, 2, pool=True)
        self.conv_block_2 = _conv_bn_relu(c[0], c[1], 5, 1, 2, pool=True)
        self.conv_block_3 = _conv_bn_relu(c[1], c[2], 3, 1, 1, pool=False)
        self.conv_block_4 = _conv_bn_relu(c[2], c[3], 3, 1, 1, pool=False)
        self.conv_block_5 = _conv_bn_relu(c[3], c[4], 3, 1, 1, pool=True)
        self.fc6 = nn.Sequential(nn.Linear(c[4] * fc_in_size * fc_in_size, c[5]),
                                 nn.BatchNorm1d(c[5]), nn.ReLU(inplace=True))
        self.fc7 = nn.Sequential(nn.Linear(c[5], c[5]), nn.BatchNorm1d(c[5]), nn.ReLU(inplace=True))
        self.fc8 = nn.Linear(c[5], feat_dim)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        outs = []
        last = max(self.out_indices)
        blocks = (self.conv_block_1, self.conv_block_2, self.conv_block_3, self.conv_block_4,
                  self.conv_block_5)
        for i, block in enumerate(blocks):
            x = block(x)
            if i in self.out_indices:
                outs.append(x)
            if i == last:
                return tuple(outs)
        if x.shape[-1] != self.fc_in_size or x.shape[-2] != self.fc_in_size:
            raise ValueError(f'conv5 gives {tuple(x.shape[-2:])} maps but fc6 expects '
                             f'{self.fc_in_size} x {self.fc_in_size}: set fc_in_size for '
                             'this input size (6 at 224 px)')
        x = torch.flatten(x, 1)
        for i, fc in ((5, self.fc6), (6, self.fc7)):
            x = fc(x)
            if i in self.out_indices:
                outs.append(x)
        if 7 in self.out_indices:
            outs.append(F.normalize(self.fc8(x), dim=1))
        return tuple(outs)
