"""One encoder per view of a channel-split image (CMC's L / ab networks)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule, ModuleList
from torch import Tensor

from mec_plugin.registry import MODELS


@MODELS.register_module()
class CMCSplitBackbone(BaseModule):
    """Split the input channels into views and encode each with its own network.

    CMC (Tian et al., arXiv 1906.05849) splits a Lab image into L (1 channel)
    and ab (2 channels), ``torch.split(x, [1, 2], dim=1)``, and trains one
    encoder per view. This module holds both encoders (``encoders.0`` = L,
    ``encoders.1`` = ab), so that the checkpoint's ``backbone.*`` is the whole
    two-view network and the evaluation tools (k-NN, linear probe) see the
    features the official linear probe uses: both views' outputs
    concatenated along the channels.

    Args:
        encoder (dict): config of one view's encoder; ``in_channels`` is set
            per view. E.g. ``dict(type='CMCAlexNet', out_indices=(4, 7))`` or
            ``dict(type='ResNet', depth=50, base_channels=32)`` (CMC's
            ResNet-50 at width 0.5).
        view_channels (Sequence[int]): channels of each view, in input order.
            Defaults to (1, 2) (L, ab).
        flatten (bool): flatten each concatenated output to ``[B, C*H*W]``
            (the AlexNet conv5 probe: 2 x 128 x 6 x 6 = 9216 features).
        frozen (bool): no gradients and always in eval mode (linear probing).
    """

    def __init__(self, encoder: dict, view_channels: Sequence[int] = (1, 2),
                 flatten: bool = False, frozen: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        view_channels = tuple(view_channels)
        if len(view_channels) < 2 or any(not (isinstance(c, int) and c >= 1) for c in view_channels):
            raise ValueError('view_channels must list at least two positive channel counts, '
                             f'got {view_channels}')
        self.view_channels = view_channels
        self.flatten = flatten
        self.frozen = frozen
        # MMEngine's ModuleList: BaseModule.init_weights reaches a child's own
        # init_weights only through BaseModules; inside torch's ModuleList the
        # encoders kept PyTorch's default init instead of their init_cfg
        self.encoders = ModuleList(
            MODELS.build(dict(encoder, in_channels=c)) for c in view_channels)
        if frozen:
            for p in self.parameters():
                p.requires_grad = False

    def forward_views(self, x: Tensor) -> List[Tuple[Tensor, ...]]:
        """Each view's encoder outputs: ``[outputs of view 1, outputs of view 2, ...]``."""
        if x.dim() != 4 or x.shape[1] != sum(self.view_channels):
            raise ValueError(f'CMCSplitBackbone expects [B, {sum(self.view_channels)}, H, W] '
                             f'(views of {self.view_channels} channels), got {tuple(x.shape)}; '
                             'is RGBToLab / RGBToYCbCr in the pipeline?')
        views = torch.split(x, list(self.view_channels), dim=1)
        return [tuple(enc(v)) for enc, v in zip(self.encoders, views)]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Every output index, with the views concatenated along dim 1."""
        per_view = self.forward_views(x)
        outs = tuple(torch.cat(feats, dim=1) for feats in zip(*per_view))
        if self.flatten:
            outs = tuple(torch.flatten(o, 1) for o in outs)
        return outs

    def train(self, mode: bool = True) -> 'CMCSplitBackbone':
        super().train(mode)
        if self.frozen:  # BN statistics stay those of pre-training
            for m in self.encoders.modules():
                m.eval()
        return self
