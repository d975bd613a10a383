from typing import Dict, List, Optional, Union

import torch
from mmengine.dist import get_rank
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.structures import DataSample

from mec_plugin.registry import MODELS
from ...utils.gather import all_gather_no_grad
from ..losses.nce_loss import cross_view_batch_scores, nce_loss, nce_softmax_loss
from ..utils.nce_memory import NCEMemoryBank

LOSSES = ('nce', 'softmax')
CONTRASTS = ('memory', 'batch')


@MODELS.register_module()
class CMC(BaseSelfSupervisor):
    """CMC: Contrastive Multiview Coding (two views: L and ab of a Lab image).

    Tian, Krishnan, Isola, ECCV 2020 (https://arxiv.org/abs/1906.05849);
    official code HobbitLong/CMC (``train_CMC.py``, ``NCE/``).

    The input is one image per sample, already converted to normalised Lab
    (or YCbCr) by ``RGBToLab`` in the pipeline; the backbone
    (:class:`CMCSplitBackbone`) splits its channels into the views and
    encodes each with its own network; the neck (:class:`CMCProjector`)
    gives one unit vector per view. Each view is contrasted against the
    *other* view's memory bank (:class:`NCEMemoryBank`) at the sample's
    dataset index, with K noise rows drawn uniformly; after the scores the
    banks move towards this step's features. The loss is the sum over the
    two views of the NCE criterion (default) or of the softmax
    cross-entropy.

    Args:
        backbone (dict): :class:`CMCSplitBackbone` config.
        neck (dict): :class:`CMCProjector` config.
        n_data (int): dataset size N (rows of each memory bank). 0 = sized
            from the training dataloader by :class:`NCEMemoryHook` (which
            also checks a non-zero value against the dataset).
        feat_dim (int): embedding width. Defaults to 128.
        num_noise (int): K noise samples per anchor. Defaults to 16384
            (``--nce_k`` of train_CMC.py; the README and the released
            weights used 4096).
        temperature (float): T. Defaults to 0.07 (ImageNet).
        memory_momentum (float): m of the memory update (``--nce_m``). 0.5.
        loss (str): ``'nce'`` (the official default) or ``'softmax'``
            (``--softmax``; the README's recommendation).
        z_momentum (float, optional): None = Z estimated on the first batch
            and then fixed (official); 0.99 = Kaiming He's EMA of Z (CMC
            issue #23). Only for ``loss='nce'``.
        nce_eps (float): the eps of ``NCECriterion``. Defaults to 1e-7.
        contrast (str): what each anchor is scored against: ``'memory'``
            (official: the other view's memory rows, its own row as the
            positive) or ``'batch'`` (a short-budget variant, softmax only:
            the other view's detached features of this step, of every rank,
            its own as the positive and the rest of the batch as the noise,
            so K = world batch - 1 and the memory is neither read nor
            written; docs/methods/cmc.md).
        data_preprocessor (dict, optional): must not normalise or swap
            channels again (the pipeline does it), e.g.
            ``dict(type='SelfSupDataPreprocessor')``.
        init_cfg (dict, optional): init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 n_data: int = 0,
                 feat_dim: int = 128,
                 num_noise: int = 16384,
                 temperature: float = 0.07,
                 memory_momentum: float = 0.5,
                 loss: str = 'nce',
                 z_momentum: Optional[float] = None,
                 nce_eps: float = 1e-7,
                 contrast: str = 'memory',
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got '{loss}'")
        if z_momentum is not None and loss != 'nce':
            raise ValueError(f"z_momentum={z_momentum} only applies to loss='nce' (softmax has no Z)")
        if contrast not in CONTRASTS:
            raise ValueError(f"contrast must be one of {CONTRASTS}, got '{contrast}'")
        if contrast == 'batch' and loss != 'softmax':
            raise ValueError("contrast='batch' needs loss='softmax' (NCE's Z and Pn = 1/N are "
                             'those of the memory)')
        if nce_eps < 0:
            raise ValueError(f'nce_eps must be >= 0, got {nce_eps}')
        super().__init__(
            backbone=backbone,
            neck=neck,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.loss_type = loss
        self.nce_eps = nce_eps
        self.contrast = contrast
        self.memory = NCEMemoryBank(n_data, feat_dim, num_noise, temperature, memory_momentum,
                                    softmax=(loss == 'softmax'), z_momentum=z_momentum)

    @staticmethod
    def dataset_index(data_samples: List[DataSample], device) -> torch.Tensor:
        """The samples' dataset indices (``sample_idx``, set by every mmengine
        ``BaseDataset`` and packed by ``PackInputs``)."""
        try:
            index = [int(s.sample_idx) for s in data_samples]
        except (AttributeError, KeyError):
            raise ValueError(
                'CMC needs the dataset index of each sample in its metainfo (sample_idx): keep '
                "'sample_idx' in PackInputs' meta_keys and use an mmengine BaseDataset") from None
        return torch.tensor(index, dtype=torch.long, device=device)

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: List[DataSample], **kwargs) -> Dict[str, torch.Tensor]:
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != 1:
                raise ValueError(f'CMC takes one (Lab) image per sample, got {len(inputs)} views: '
                                 'do not use MultiView; the views are channel groups')
            inputs = inputs[0]
        index = self.dataset_index(data_samples, inputs.device)
        per_view = self.backbone.forward_views(inputs)
        f_l, f_ab = self.neck([feats[-1] for feats in per_view])
        if self.contrast == 'batch':
            return self.batch_contrast_loss(f_l, f_ab)
        out_l, out_ab = self.memory(f_l, f_ab, index)
        # after the scores: they must see the pre-update memory
        self.memory.update(f_l, f_ab, index)
        if self.loss_type == 'softmax':
            # memory returned s/T already; the criterion takes s and T
            loss_l = nce_softmax_loss(out_l, 1.)
            loss_ab = nce_softmax_loss(out_ab, 1.)
        else:
            loss_l = nce_loss(out_l, self.memory.n_data, self.nce_eps)
            loss_ab = nce_loss(out_ab, self.memory.n_data, self.nce_eps)
        return dict(loss_l=loss_l, loss_ab=loss_ab)

    def batch_contrast_loss(self, f_l: torch.Tensor, f_ab: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Softmax CE of each view against the other view's features of this step."""
        offset = get_rank() * f_l.shape[0]  # all_gather needs equal batches
        other_l, other_ab = all_gather_no_grad(f_l.detach()), all_gather_no_grad(f_ab.detach())
        t = self.memory.temperature
        loss_l = nce_softmax_loss(cross_view_batch_scores(f_l, other_ab, offset) / t, 1.)
        loss_ab = nce_softmax_loss(cross_view_batch_scores(f_ab, other_l, offset) / t, 1.)
        return dict(loss_l=loss_l, loss_ab=loss_ab)
