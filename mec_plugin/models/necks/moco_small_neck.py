"""The projection heads of the small-model MoCo baseline (Shi et al., arXiv
2107.14762, ``--mlp``), plus the backbone-specific layers that the official
models put between the pooled features and ``fc``.

The official code replaces each backbone's ``fc`` (input width D) with one of:

* ``'wide'`` (the default): Linear(D, 2D) - ReLU - Linear(2D, dim). No BN.
* ``'simple'``: Linear(D, D) - ReLU - Linear(D, dim) (MoCo v2's head).
* ``'deep'``: Linear(D, D) - ReLU - Linear(D, D) - ReLU - Linear(D, dim).
* ``'dropout'``: Linear(D, D) - ReLU - Dropout(0.5) - Linear(D, dim).

Everything before ``fc`` that the hosts' backbones lack sits in
``representation``:

* MobileNetV3 (official ``mobilenetv3.py``): the ``classifier`` block
  Linear(exp, 1024 | 1280) - h_swish - Dropout(0.2). Its output is the
  representation (D = 1024 / 1280) and its dropout is active during SSL.
  ``feat_channels=1024`` (Small) / ``1280`` (Large) adds it.
* EfficientNet (lukemelas): Dropout(0.2) on the pooled 1280-d features before
  ``fc``; ``pre_dropout=0.2`` adds it.

mmpretrain's ``MoCoV2Neck(D, 2D, dim)`` is exactly ``'wide'`` and
``NonLinearNeck`` always puts a BatchNorm after its hidden layers, so neither
covers the representation layers or the other variants; this neck does.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS
from ..utils import FreezableMixin

MLP_TYPES = ('wide', 'simple', 'deep', 'dropout')


def projection_mlp(in_channels: int, out_channels: int, mlp: str = 'wide') -> nn.Sequential:
    """The official ``--mlp`` head (see the module docstring), with bias
    everywhere and PyTorch's default Linear initialisation (the official code
    builds these layers after the backbone's own initialisation)."""
    d = in_channels
    if mlp == 'wide':
        layers = [nn.Linear(d, 2 * d), nn.ReLU(inplace=True), nn.Linear(2 * d, out_channels)]
    elif mlp == 'simple':
        layers = [nn.Linear(d, d), nn.ReLU(inplace=True), nn.Linear(d, out_channels)]
    elif mlp == 'deep':
        layers = [nn.Linear(d, d), nn.ReLU(inplace=True), nn.Linear(d, d), nn.ReLU(inplace=True),
                  nn.Linear(d, out_channels)]
    elif mlp == 'dropout':
        layers = [nn.Linear(d, d), nn.ReLU(inplace=True), nn.Dropout(0.5),
                  nn.Linear(d, out_channels)]
    else:
        raise ValueError(f"mlp must be one of {MLP_TYPES}, got '{mlp}'")
    return nn.Sequential(*layers)


@MODELS.register_module()
class MoCoSmallNeck(FreezableMixin, BaseModule):
    """Pooling, the official representation layers and the ``--mlp`` head.

    ``x -> avg-pool -> representation -> projector``; the representation is
    the D-dimensional feature the paper evaluates, the projector's output the
    ``dim``-dimensional embedding of the contrastive loss.

    Args:
        in_channels (int): channels of the backbone's last output (512 for
            ResNet-18, 576 / 960 for MobileNetV3-Small / -Large, 1280 for
            EfficientNet-B0, 192 for DeiT-Tiny).
        out_channels (int): embedding width (``--moco-dim``). Defaults to 128.
        mlp (str): 'wide' (default), 'simple', 'deep' or 'dropout'.
        feat_channels (int, optional): add MobileNetV3's classifier block
            Linear(in_channels, feat_channels) - HSwish - Dropout(feat_dropout);
            D = feat_channels. Defaults to None (D = in_channels).
        feat_dropout (float): dropout of that block. Defaults to 0.2.
        pre_dropout (float): dropout on the pooled features before the
            projector (EfficientNet's 0.2); only without ``feat_channels``.
            Defaults to 0.
        with_avg_pool (bool): global-average-pool 4-D inputs; 2-D inputs
            (a ViT's class token) pass through. Defaults to True.
        representation_only (bool): output the D-dimensional representation
            and build no projector: the neck of a classifier that probes it.
            Defaults to False.
        frozen (bool): no gradients, and eval mode whatever ``train()`` says
            (dropout off, as in the official evaluation). Defaults to False.
        init_cfg (dict, optional): init config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 128,
                 mlp: str = 'wide',
                 feat_channels: Optional[int] = None,
                 feat_dropout: float = 0.2,
                 pre_dropout: float = 0.,
                 with_avg_pool: bool = True,
                 representation_only: bool = False,
                 frozen: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        for name, value in (('in_channels', in_channels), ('out_channels', out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'MoCoSmallNeck: {name} must be a positive integer, got {value!r}')
        if feat_channels is not None and (not isinstance(feat_channels, int) or feat_channels < 1):
            raise ValueError(f'MoCoSmallNeck: feat_channels must be None or a positive integer, '
                             f'got {feat_channels!r}')
        for name, value in (('feat_dropout', feat_dropout), ('pre_dropout', pre_dropout)):
            if not 0 <= value < 1:
                raise ValueError(f'MoCoSmallNeck: {name} must be in [0, 1), got {value!r}')
        if feat_channels is not None and pre_dropout:
            raise ValueError('MoCoSmallNeck: pre_dropout applies only without feat_channels '
                             f'(got feat_channels={feat_channels}, pre_dropout={pre_dropout})')
        if mlp not in MLP_TYPES:
            raise ValueError(f"MoCoSmallNeck: mlp must be one of {MLP_TYPES}, got '{mlp}'")
        self.with_avg_pool = with_avg_pool
        self.mlp_type = mlp
        layers: List[nn.Module] = []
        if feat_channels is not None:
            fc = nn.Linear(in_channels, feat_channels)
            # the official MobileNetV3 initialises its Linear layers N(0, 0.01), bias 0
            nn.init.normal_(fc.weight, 0., 0.01)
            nn.init.zeros_(fc.bias)
            layers += [fc, nn.Hardswish(), nn.Dropout(feat_dropout)]
        elif pre_dropout > 0:
            layers.append(nn.Dropout(pre_dropout))
        self.representation = nn.Sequential(*layers)
        self.rep_channels = feat_channels or in_channels
        self.representation_only = representation_only
        self.projector = None if representation_only else projection_mlp(
            self.rep_channels, out_channels, mlp)
        if frozen:
            self.freeze()

    def _pooled(self, x: Sequence[Tensor]) -> Tensor:
        if len(x) != 1:
            raise ValueError(f'MoCoSmallNeck takes the last backbone output only, got {len(x)} '
                             'outputs (set the backbone\'s out_indices to its last stage)')
        x = x[0]
        if x.dim() == 4 and self.with_avg_pool:
            x = x.mean(dim=(2, 3))
        return x.flatten(1)

    def forward_representation(self, x: Sequence[Tensor]) -> Tensor:
        """The D-dimensional representation (the official evaluation feature)."""
        return self.representation(self._pooled(x))

    def forward(self, x: Sequence[Tensor]) -> Tuple[Tensor]:
        rep = self.forward_representation(x)
        return (rep if self.projector is None else self.projector(rep), )
