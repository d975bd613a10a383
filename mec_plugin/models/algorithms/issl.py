from typing import Dict, List, Optional, Union

import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.structures import DataSample


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
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            got = len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__
            raise ValueError(
                f'{name} needs exactly 2 views per image, got {got}: use '
                'MultiView(num_views=2, transforms=[view]) in the training pipeline '
                '(multi-crop is not implemented)')
        if inputs[0].shape != inputs[1].shape:
            raise ValueError(f'{name}: both views must have the same shape (one batch), got '
                             f'{tuple(inputs[0].shape)} and {tuple(inputs[1].shape)}')
        return self.head.loss(self.encode(torch.cat(list(inputs))))
