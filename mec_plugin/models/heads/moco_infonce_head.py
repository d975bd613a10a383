from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mec_plugin.registry import MODELS
from ..losses.moco_infonce_loss import _check_inputs, moco_logits


@MODELS.register_module()
class MoCoInfoNCEHead(BaseModule):
    """MoCo's InfoNCE over a queue (:func:`moco_infonce_loss`) as a loss dict.

    Unlike mmpretrain's ``ContrastiveHead`` (which takes precomputed ``l_pos``
    / ``l_neg`` in the autocast dtype), the logits are formed here in float32.

    Args:
        temperature (float): T. Defaults to 0.1 (the small-model baseline's
            ``--moco-t``; MoCo v2 uses 0.2).
        init_cfg (dict, optional): init config.
    """

    def __init__(self, temperature: float = 0.1, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if not isinstance(temperature, (int, float)) or not temperature > 0:
            raise ValueError(f'MoCoInfoNCEHead: temperature must be a number > 0, '
                             f'got {temperature!r}')
        self.temperature = float(temperature)

    def loss(self, q: Tensor, k: Tensor, queue: Tensor) -> Dict[str, Tensor]:
        """``loss`` (optimised) and ``contrast_acc`` (logged): how often the
        positive key has the largest logit among the 1 + K, the official
        ``Acc@1``.

        Args:
            q (Tensor): normalised queries [N, dim].
            k (Tensor): normalised keys [N, dim].
            queue (Tensor): negatives as rows [K, dim].
        """
        _check_inputs(q, k, queue, self.temperature)
        logits = moco_logits(q, k, queue, self.temperature)
        labels = torch.zeros(logits.shape[0], dtype=torch.long, device=logits.device)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        with torch.no_grad():
            acc = (logits.argmax(dim=1) == 0).float().mean()
        return dict(loss=loss, contrast_acc=acc)
