from typing import List, Optional, Sequence, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS


@MODELS.register_module()
class CMCProjector(BaseModule):
    """Per-view embedding of CMC: global average pool, ``Linear -> feat_dim``,
    L2 normalisation (the official ResNet's ``avgpool -> fc -> l2norm``).

    Takes one feature per view (a list), returns one unit vector per view.
    With ``in_channels=None`` there is no linear layer: for encoders that
    already end in the embedding (``CMCAlexNet``'s fc8), it only normalises.

    Args:
        in_channels (int | Sequence[int] | None): input width of each view
            (an int: the same for all).
        feat_dim (int): 128.
        num_views (int): 2.
    """

    def __init__(self, in_channels: Optional[Union[int, Sequence[int]]] = None,
                 feat_dim: int = 128, num_views: int = 2,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        if num_views < 1:
            raise ValueError(f'num_views must be >= 1, got {num_views}')
        self.num_views = num_views
        if in_channels is None:
            self.fcs = None
        else:
            widths = [in_channels] * num_views if isinstance(in_channels, int) else list(in_channels)
            if len(widths) != num_views:
                raise ValueError(f'in_channels lists {len(widths)} widths for {num_views} views')
            self.fcs = nn.ModuleList(nn.Linear(c, feat_dim) for c in widths)

    def forward(self, views: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        if len(views) != self.num_views:
            raise ValueError(f'CMCProjector expects {self.num_views} views, got {len(views)}')
        out = []
        for i, x in enumerate(views):
            if x.dim() == 4:  # AvgPool2d(7) at 224 px = global average pooling
                x = x.mean(dim=(2, 3))
            if self.fcs is not None:
                x = self.fcs[i](x)
            out.append(F.normalize(x, dim=1))
        return tuple(out)
