from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS

#: the ISSL initialisation: Linear weights trunc_normal(0.02), biases 0, BN (1, 0).
ISSL_INIT = [
    dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
    dict(type='Constant', layer=['_BatchNorm'], val=1., bias=0.),
]


def _linear_bn(in_channels: int, out_channels: int, norm_cfg: dict, relu: bool) -> nn.Sequential:
    layers = [nn.Linear(in_channels, out_channels, bias=False),
              build_norm_layer(norm_cfg, out_channels)[1]]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class _ResidualMLP(nn.Module):
    """``x + f(x)``, f = [Linear-BN-ReLU] through the hidden widths and back to
    the width of x, the last layer with its BN and ReLU too.

    VISSL's ``MLP(is_residual=True, use_bn=True, use_relu=True,
    skip_last_layer_relu_bn=False)`` (the DISSL ImageNet teachers): the ReLU
    ends the branch, nothing follows the addition.
    """

    def __init__(self, channels: int, hid_channels: Sequence[int], norm_cfg: dict) -> None:
        super().__init__()
        widths = [channels, *hid_channels, channels]
        self.branch = nn.Sequential(
            *[_linear_bn(a, b, norm_cfg, relu=True) for a, b in zip(widths[:-1], widths[1:])])

    def forward(self, x: Tensor) -> Tensor:
        return x + self.branch(x)


@MODELS.register_module()
class ISSLMLP(BaseModule):
    """The MLP heads of DISSL / CISSL (ISSL ``architectures``, VISSL heads).

    In order, each part optional::

        [Linear(no bias) - BN - ReLU] for each width in hid_channels
        x + f(x), f = [Linear - BN - ReLU] through res_channels and back       (residual MLP)
        Linear(no bias) - BN(bottleneck_channels) [- ReLU if bottleneck_relu]  (low rank)
        Linear(out_channels, bias=out_bias)
        BN(out_channels)                                                       (last_bn)

    Configurations of the official code (C = 16384 clusters, z = representation width):

    ======================================  =================================================
    DISSL teacher, ISSL (TinyImageNet)      hid [1024], bottleneck 512, out C
    DISSL student, ISSL and VISSL           bottleneck 512, out C (still a linear map)
    DISSL teacher, VISSL d = 2048           res [2048], bottleneck 512 + ReLU, out C
    DISSL teacher, VISSL d = 8192           hid [512], res [2048, 2048], out C
    CISSL teacher, ISSL                     hid [1024], out 128, last_bn
    CISSL teacher, VISSL                    hid [2048, 2048], out 128, no out_bias, last_bn
    CISSL student (linear probe + BN)       out 128, no out_bias, last_bn
    ======================================  =================================================

    Initialisation: the ISSL code's (``ISSL_INIT``) by default. VISSL's heads
    keep PyTorch's default Linear / BN initialisation (``init_cfg=None``) and
    draw CISSL's 128-d output layers from N(0, 1/128) (``jl_init_out``: the
    Johnson-Lindenstrauss initialisation of a projection to fewer dimensions).

    Args:
        in_channels (int): input width z.
        out_channels (int): output width (C for DISSL, 128 for CISSL).
        hid_channels (Sequence[int]): widths of the plain hidden layers.
        res_channels (Sequence[int]): hidden widths of one residual MLP after
            them (empty: none).
        bottleneck_channels (int, optional): width of the low-rank Linear-BN
            before the output layer.
        bottleneck_relu (bool): a ReLU after the low-rank Linear-BN (VISSL's
            d = 2048 DISSL teacher). Defaults to False.
        out_bias (bool): bias in the output Linear. Defaults to True.
        last_bn (bool): BatchNorm on the output (CISSL). Defaults to False.
        freeze_last_bn_bias (bool): keep the output BN's bias at 0 (VISSL's
            CISSL heads). Defaults to False.
        with_avg_pool (bool): average-pool a [N, C, H, W] input first.
        jl_init_out (bool): after ``init_cfg``, draw the output Linear's
            weight from N(0, 1 / out_channels) (VISSL's ``is_JL_init``, for an
            output narrower than its input). Defaults to False.
        norm_cfg (dict): norm layer config. Defaults to ``dict(type='BN1d')``
            (``SyncBN`` in the ImageNet configs).
        init_cfg: defaults to the ISSL initialisation (trunc_normal 0.02);
            ``None`` keeps PyTorch's default initialisation (VISSL).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 hid_channels: Sequence[int] = (),
                 res_channels: Sequence[int] = (),
                 bottleneck_channels: Optional[int] = None,
                 bottleneck_relu: bool = False,
                 out_bias: bool = True,
                 last_bn: bool = False,
                 freeze_last_bn_bias: bool = False,
                 with_avg_pool: bool = False,
                 jl_init_out: bool = False,
                 norm_cfg: dict = dict(type='BN1d'),
                 init_cfg: Optional[Union[dict, list]] = ISSL_INIT) -> None:
        super().__init__(init_cfg)
        for name, value in (('in_channels', in_channels), ('out_channels', out_channels),
                            ('bottleneck_channels', bottleneck_channels or 1),
                            *((f'hid_channels[{i}]', w) for i, w in enumerate(hid_channels)),
                            *((f'res_channels[{i}]', w) for i, w in enumerate(res_channels))):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'ISSLMLP: {name} must be a positive integer, got {value!r}')
        if freeze_last_bn_bias and not last_bn:
            raise ValueError('ISSLMLP: freeze_last_bn_bias=True needs last_bn=True')
        if bottleneck_relu and bottleneck_channels is None:
            raise ValueError('ISSLMLP: bottleneck_relu=True needs bottleneck_channels')
        self.with_avg_pool = with_avg_pool
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1)) if with_avg_pool else None
        layers, width = [], in_channels
        for hid in hid_channels:
            layers.append(_linear_bn(width, hid, norm_cfg, relu=True))
            width = hid
        if res_channels:
            layers.append(_ResidualMLP(width, res_channels, norm_cfg))
        if bottleneck_channels is not None:
            layers.append(_linear_bn(width, bottleneck_channels, norm_cfg, relu=bottleneck_relu))
            width = bottleneck_channels
        self.out_index = len(layers)
        layers.append(nn.Linear(width, out_channels, bias=out_bias))
        if last_bn:
            layers.append(build_norm_layer(norm_cfg, out_channels)[1])
        self.mlp = nn.Sequential(*layers)
        self.freeze_last_bn_bias = freeze_last_bn_bias
        if freeze_last_bn_bias:
            self.mlp[-1].bias.requires_grad_(False)
        self.jl_init_out = jl_init_out

    def init_weights(self) -> None:
        first = not self.is_init  # MMEngine initialises a module once
        super().init_weights()
        if first and self.jl_init_out:
            out = self.mlp[self.out_index]
            with torch.no_grad():
                out.weight.normal_(0., out.out_features ** -0.5)

    def forward(self, x: Union[Tensor, Tuple[Tensor, ...]]) -> Tensor:
        """[N, in_channels] (or a 1-tuple of it, or [N, C, H, W] with
        ``with_avg_pool``) -> [N, out_channels]."""
        if isinstance(x, (tuple, list)):
            if len(x) != 1:
                raise ValueError(f'ISSLMLP takes one input tensor, got {len(x)}')
            x = x[0]
        if self.avgpool is not None:
            x = self.avgpool(x)
        return self.mlp(x.flatten(1))
