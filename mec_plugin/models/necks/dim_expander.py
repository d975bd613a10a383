import math
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS
from ..utils import FreezableMixin


@MODELS.register_module()
class DimExpanderNeck(FreezableMixin, BaseModule):
    """The "dimensionality expander" of DISSL / CISSL's d = 8192 ResNet-50.

    Dubois et al. (NeurIPS 2022) widen the representation of a ResNet-50 from
    2048 to 8192 before the average pool with one bottleneck block whose
    shortcut tiles the input (ISSL ``hub/resnet_dim.py``, VISSL trunk)::

        y = relu( BN(conv1x1(relu(BN(conv3x3(relu(BN(conv1x1(x)))))))) + tile(x, k) )
        z = avgpool(y)                       k = out_channels / in_channels

    with 1x1 in -> mid, 3x3 mid -> mid, 1x1 mid -> out. ``tile`` repeats the
    channels ``[x, x, ..., x]`` (``Tensor.repeat``).

    Args:
        in_channels (int): backbone width. 2048.
        mid_channels (int): bottleneck width. 512.
        out_channels (int): representation width, a multiple of
            ``in_channels``. 8192.
        with_avg_pool (bool): global average pool (True: output [N, out]).
        norm_cfg (dict): norm layer. ``dict(type='BN')``.
        frozen (bool): no gradients and BatchNorm statistics fixed (eval
            mode whatever ``train()`` says): the expander of a pre-trained
            model under a linear probe of its 8192-d representation.
        init_cfg (dict, optional): ``None`` (default): the authors'
            initialisation at ``init_weights()`` (VISSL ``BottleneckExpand.
            reset_parameters``): every conv ``trunc_normal_(std=sqrt(1 /
            fan_in) / 0.8796)`` (timm's ``variance_scaling_``, truncated at
            +-2 absolute), BN (1, 0), then the first 1x1 conv N(0, 1 / mid)
            (Johnson-Lindenstrauss). Any other value (e.g. ``Pretrained``)
            goes to MMEngine instead.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 mid_channels: int = 512,
                 out_channels: int = 8192,
                 with_avg_pool: bool = True,
                 norm_cfg: dict = dict(type='BN'),
                 frozen: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg)
        for name, value in (('in_channels', in_channels), ('mid_channels', mid_channels),
                            ('out_channels', out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'DimExpanderNeck: {name} must be a positive integer, got {value!r}')
        if out_channels % in_channels:
            raise ValueError(f'DimExpanderNeck: out_channels = {out_channels} must be a multiple of '
                             f'in_channels = {in_channels} (the shortcut tiles the input)')
        self.tiles = out_channels // in_channels
        self.branch = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 1, bias=False),
            build_norm_layer(norm_cfg, mid_channels)[1], nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, mid_channels, 3, padding=1, bias=False),
            build_norm_layer(norm_cfg, mid_channels)[1], nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, out_channels, 1, bias=False),
            build_norm_layer(norm_cfg, out_channels)[1])
        self.relu = nn.ReLU(inplace=True)
        self.with_avg_pool = with_avg_pool
        if frozen:
            self.freeze()

    def init_weights(self) -> None:
        first = not self.is_init  # MMEngine initialises a module once
        super().init_weights()
        if not first or self.init_cfg is not None:
            return
        with torch.no_grad():
            for m in self.branch:
                if isinstance(m, nn.Conv2d):
                    fan_in = m.weight[0].numel()
                    # 0.8796: std of a unit normal truncated to (-2, 2), as timm divides by
                    nn.init.trunc_normal_(m.weight, std=math.sqrt(1. / fan_in) / .87962566103423978)
                elif isinstance(m, nn.modules.batchnorm._NormBase) and m.affine:
                    m.weight.fill_(1.)
                    m.bias.zero_()
            first_conv = self.branch[0]
            first_conv.weight.normal_(0., first_conv.out_channels ** -0.5)

    def forward(self, inputs: Tuple[Tensor, ...]) -> Tuple[Tensor]:
        """(last feature map [N, in, H, W], ...) -> ([N, out] or [N, out, H, W],)."""
        x = inputs[-1]
        y = self.relu(self.branch(x) + x.repeat(1, self.tiles, 1, 1))
        if self.with_avg_pool:
            y = torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1)
        return (y, )
