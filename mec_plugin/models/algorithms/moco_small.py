from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_world_size
from mmpretrain.models.selfsup import MoCo
from mmpretrain.models.utils import batch_shuffle_ddp, batch_unshuffle_ddp
from mmpretrain.structures import DataSample

from mec_plugin.registry import MODELS
from .views import require_two_views


@MODELS.register_module()
class MoCoSmall(MoCo):
    """The improved MoCo baseline for small networks.

    Shi et al., "On the Efficacy of Small Self-Supervised Contrastive Models
    without Distillation Signals", arXiv 2107.14762 (WOWNICE/ssl-small,
    ``main_moco_final.py``). MoCo v2 with T = 0.1, a wide projection head
    without BN (:class:`MoCoSmallNeck`), stronger augmentation and longer
    training; the loss is MoCo's InfoNCE over a queue, not symmetrised.

    What mmpretrain's :class:`~mmpretrain.models.selfsup.MoCo` already does
    exactly is inherited: the key encoder ``encoder_k`` (an
    ``ExponentialMovingAverage`` of backbone + neck whose first update copies
    the query encoder), the dim x K ``queue`` buffer initialised randn and
    normalised per key, the ``queue_ptr`` buffer (both saved in checkpoints),
    and the enqueue of the all-gathered keys. This class adds:

    * the loss from :class:`MoCoInfoNCEHead` (float32 logits, contrast
      accuracy logged) instead of ``ContrastiveHead``;
    * a clear error when ``queue_len`` is not a multiple of the global batch
      (the official code and mmpretrain ``assert`` it only after the forward);
    * ``frozen_modules``: submodules trained with ``requires_grad=False``
      (the official ViT-Tiny freezes its patch embedding).

    Per step: query features, then (no grad) the EMA update of the key
    encoder, keys of the shuffled batch (shuffle-BN across GPUs, a no-op on
    one process) un-shuffled, the loss against the queue as it was, then the
    gathered keys replace the oldest K-th of the queue.

    Args:
        backbone (dict): backbone config.
        neck (dict): :class:`MoCoSmallNeck` config.
        head (dict): :class:`MoCoInfoNCEHead` config.
        queue_len (int): K, the number of negative keys. Defaults to 65536.
        feat_dim (int): width of the keys (the neck's ``out_channels``).
            Defaults to 128.
        momentum (float): weight of the *new* parameters in the key-encoder
            update (mmengine convention): the paper's m = 0.999 is 0.001.
        frozen_modules (Sequence[str]): names of submodules (e.g.
            ``'backbone.patch_embed'``) whose parameters get no gradient.
        pretrained (str, optional): checkpoint to initialise from.
        data_preprocessor (dict, optional): defaults to
            ``SelfSupDataPreprocessor``.
        init_cfg (dict, optional): init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 queue_len: int = 65536,
                 feat_dim: int = 128,
                 momentum: float = 0.001,
                 frozen_modules: Sequence[str] = (),
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        if not isinstance(queue_len, int) or queue_len < 1:
            raise ValueError(f'MoCoSmall: queue_len must be a positive integer, got {queue_len!r}')
        if not isinstance(feat_dim, int) or feat_dim < 1:
            raise ValueError(f'MoCoSmall: feat_dim must be a positive integer, got {feat_dim!r}')
        if not 0 < momentum < 1:
            raise ValueError(
                f'MoCoSmall: momentum must be in (0, 1), got {momentum!r}; it is the weight of '
                'the new parameters (the paper\'s m = 0.999 is momentum=0.001)')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            queue_len=queue_len,
            feat_dim=feat_dim,
            momentum=momentum,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        modules = dict(self.named_modules())
        for name in frozen_modules:
            if name not in modules or name.startswith('encoder_k'):
                raise ValueError(f"MoCoSmall: frozen_modules names '{name}', which is not a "
                                 'submodule of the query encoder (e.g. backbone.patch_embed)')
            modules[name].requires_grad_(False)
        self.frozen_modules = tuple(frozen_modules)

    def _check_batch(self, inputs: List[torch.Tensor]) -> None:
        require_two_views(inputs, 'MoCoSmall', 'MultiView(num_views=2, '
                          'transforms=[view_pipeline]) in the training pipeline')
        global_batch = inputs[0].shape[0] * get_world_size()
        if self.queue_len % global_batch != 0:
            raise ValueError(
                f'MoCoSmall: queue_len={self.queue_len} must be a multiple of the global batch '
                f'{global_batch} (train_dataloader.batch_size x number of GPUs, with '
                'drop_last=True): each step replaces one whole block of the queue')

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        self._check_batch(inputs)
        im_q, im_k = inputs
        q = F.normalize(self.neck(self.backbone(im_q))[0], dim=1)
        if q.shape[1] != self.queue.shape[0]:
            raise ValueError(f'MoCoSmall: the neck outputs {q.shape[1]}-d embeddings but '
                             f'feat_dim={self.queue.shape[0]}; set model.feat_dim to the neck\'s '
                             'out_channels')
        with torch.no_grad():
            # m = 0.999 update before the keys, as in the official forward
            self.encoder_k.update_parameters(nn.Sequential(self.backbone, self.neck))
            im_k, idx_unshuffle = batch_shuffle_ddp(im_k)
            k = F.normalize(self.encoder_k(im_k)[0], dim=1)
            k = batch_unshuffle_ddp(k, idx_unshuffle)
        # a copy: the enqueue below writes into the buffer that backward needs
        losses = self.head.loss(q, k, self.queue.t().clone())
        self._dequeue_and_enqueue(k)
        return losses
