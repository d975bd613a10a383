from typing import Dict, List

import torch
from mmpretrain.structures import DataSample

from mec_plugin.registry import MODELS
from .issl import InvariantSSL


@MODELS.register_module()
class DISSL(InvariantSSL):
    """DISSL: distillation for invariant self-supervised learning.

    Dubois, Hashimoto, Ermon, Liang, "Improving Self-Supervised Learning by
    Characterizing Idealized Representations", NeurIPS 2022
    (https://arxiv.org/abs/2209.06235).

    One shared encoder; a teacher MLP head clusters each crop into C classes
    and a linear student head predicts the other crop's cluster. The maths is
    in :func:`mec_plugin.models.losses.dissl_loss`, the heads in
    :class:`mec_plugin.models.heads.DISSLHead`; the beta warm-up of the
    ImageNet runs in :class:`mec_plugin.engine.hooks.DISSLBetaWarmupHook`.
    Arguments: see :class:`InvariantSSL` (``head`` is a ``DISSLHead``).

    Multi-crop (VISSL's m6 / m8 ImageNet runs): the inputs may be 2 global
    crops followed by N smaller local crops (``MultiView(num_views=[2, N],
    transforms=[global_view, local_view])``). The backbone runs once per run
    of same-size views; the teacher head sees the first run (the global
    crops), the student head every crop
    (:func:`mec_plugin.models.losses.dissl_loss_multicrop`). Two same-size
    views are the two-crop method unchanged.
    """

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        z, groups = self.encode_views(inputs)
        num_global = groups[0][1]
        if num_global < 2:
            raise ValueError(
                f'DISSL: the first views must be at least 2 global crops of one size (the '
                f'teacher sees them), got view sizes {[tuple(v.shape[-2:]) for v in inputs]}')
        return self.head.loss(z, num_views=len(inputs), num_teacher_views=num_global)
