from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.structures import DataSample

from .views import require_two_views


def resolution_groups(views: Sequence[torch.Tensor], name: str) -> List[Tuple[int, int]]:
    """``[(start, end), ...]``: the runs of consecutive views of one size.

    VISSL's multi-resolution forward: each run is concatenated and encoded as
    one batch (one backbone pass per resolution); the first run are the global
    crops. ``MultiView(num_views=[2, N], transforms=[global, local])`` yields
    the 2 globals then the N locals, so 2 x 160 + 4 x 96 gives
    ``[(0, 2), (2, 6)]`` and two same-size views ``[(0, 2)]``.

    Args:
        views (Sequence[Tensor]): V >= 2 tensors [B, 3, H_v, W_v] with one B.
        name (str): the algorithm's name, for the errors.
    """
    if not isinstance(views, (list, tuple)) or len(views) < 2:
        got = len(views) if isinstance(views, (list, tuple)) else type(views).__name__
        raise ValueError(f'{name} needs at least 2 views per image, got {got}: use '
                         'MultiView(num_views=2, transforms=[view]) or, for multi-crop, '
                         'MultiView(num_views=[2, N], transforms=[global_view, local_view])')
    shapes = [tuple(v.shape) for v in views]
    if any(len(s) != 4 for s in shapes) or len({s[:2] for s in shapes}) != 1:
        raise ValueError(f'{name}: every view must be [B, C, H, W] with the same B and C, '
                         f'got {shapes}')
    groups, start = [], 0
    for i in range(1, len(views) + 1):
        if i == len(views) or shapes[i][2:] != shapes[start][2:]:
            groups.append((start, i))
            start = i
    return groups


class InvariantSSL(BaseSelfSupervisor):
    """Shared body of DISSL and CISSL (Dubois et al., NeurIPS 2022).

    One encoder (backbone + neck, the neck pooling the feature map, e.g.
    ``GlobalAveragePooling`` or :class:`DimExpanderNeck`), no EMA and no
    stop-gradient: both crops are encoded as one batch ``cat[x1, x2]`` (as the
    official ``issl.py``, so BatchNorm statistics span the 2B images) and the
    head turns the [2B, d] representations into the loss dict.

    Args:
        backbone (dict): backbone config.
        neck (dict): pooling / expander config; must output ``(z,)`` with z
            of shape [N, d].
        head (dict): :class:`DISSLHead` or :class:`CISSLHead` config.
        pretrained (str, optional): checkpoint to initialise from.
        data_preprocessor (dict, optional): ``SelfSupDataPreprocessor`` by
            default.
        init_cfg (dict, optional): init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        super().__init__(backbone=backbone, neck=neck, head=head, pretrained=pretrained,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images [N, 3, H, W] -> representations z [N, d]."""
        z = self.neck(self.backbone(x))[-1]
        if z.dim() != 2:
            raise ValueError(f'{type(self).__name__}: the neck must pool the feature map to '
                             f'[N, d], got {tuple(z.shape)} (use GlobalAveragePooling)')
        return z

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        name = type(self).__name__
        require_two_views(inputs, name, 'MultiView(num_views=2, transforms=[view]) in the '
                          'training pipeline (multi-crop is implemented for DISSL only)')
        if inputs[0].shape != inputs[1].shape:
            raise ValueError(f'{name}: both views must have the same shape (one batch), got '
                             f'{tuple(inputs[0].shape)} and {tuple(inputs[1].shape)}')
        return self.head.loss(self.encode(torch.cat(list(inputs))))

    def encode_views(self, views: Sequence[torch.Tensor]
                     ) -> Tuple[torch.Tensor, List[Tuple[int, int]]]:
        """All views -> z [V * B, d] in view order, one backbone pass per run
        of same-size views (:func:`resolution_groups`), and the runs.

        Two same-size views are the single pass ``encode(cat[x1, x2])``.
        """
        groups = resolution_groups(views, type(self).__name__)
        z = [self.encode(torch.cat(list(views[a:b]))) for a, b in groups]
        return (z[0] if len(z) == 1 else torch.cat(z)), groups
