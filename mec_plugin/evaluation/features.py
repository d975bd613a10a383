"""Pooled backbone features of a dataset, for k-NN, retrieval and statistics."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mec_plugin.registry import MODELS

# Where each kind of weights lives inside a checkpoint of this plugin.
WEIGHT_PREFIXES = {
    'student': 'backbone.',
    'teacher': 'teacher.module.0.',  # ForeachCosineEMA(Sequential(backbone, neck))
}


def backbone_state_dict(state_dict: Dict[str, Tensor], weights: str = 'student') -> Dict[str, Tensor]:
    """The backbone's weights from a full checkpoint's ``state_dict``.

    Args:
        weights (str): 'student' (``backbone.*``) or 'teacher' (the EMA copy,
            ``teacher.module.0.*``).
    """
    if weights not in WEIGHT_PREFIXES:
        raise ValueError(f"weights must be one of {tuple(WEIGHT_PREFIXES)}, got '{weights}'")
    prefix = WEIGHT_PREFIXES[weights]
    out = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not out:
        found = sorted({k.split('.')[0] for k in state_dict})
        raise KeyError(f"no '{prefix}*' keys in the checkpoint (its top-level keys: {found}); "
                       f"is it a checkpoint of a plugin algorithm with {weights} weights?")
    return out


def build_backbone(backbone_cfg: dict, checkpoint: Optional[str] = None,
                   weights: str = 'student', map_location: str = 'cpu') -> nn.Module:
    """Build a backbone from its config and load its weights from a checkpoint.

    Without a checkpoint the network keeps its random initialisation (a
    baseline every representation should beat). Missing or unexpected keys
    raise, naming them.
    """
    backbone_cfg = dict(backbone_cfg)
    if backbone_cfg.get('norm_cfg', {}).get('type') == 'SyncBN':
        backbone_cfg['norm_cfg'] = dict(backbone_cfg['norm_cfg'], type='BN')
    backbone = MODELS.build(backbone_cfg)
    if hasattr(backbone, 'init_weights'):
        backbone.init_weights()
    if checkpoint is not None:
        ckpt = torch.load(checkpoint, map_location=map_location, weights_only=True)
        state = ckpt.get('state_dict', ckpt)
        state = backbone_state_dict(state, weights)
        result = backbone.load_state_dict(state, strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise KeyError(f'{checkpoint}: backbone weights do not match the config: missing '
                           f'{result.missing_keys[:10]}, unexpected {result.unexpected_keys[:10]}')
    return backbone


@torch.no_grad()
def extract_features(backbone: nn.Module, dataloader, data_preprocessor: nn.Module,
                     device: str = 'cpu', stage: int = -1,
                     progress: bool = True) -> Tuple[Tensor, Tensor]:
    """Global-average-pooled features of one backbone stage, with labels.

    Args:
        backbone (nn.Module): returns a tuple of feature maps.
        dataloader: yields mmpretrain batches (``inputs`` and ``data_samples``
            with ``gt_label``).
        data_preprocessor (nn.Module): mmpretrain's ``ClsDataPreprocessor``
            (normalisation) or the like.
        stage (int): index into the backbone's outputs. Defaults to the last.

    Returns:
        (features [N, C] float32 on the CPU, labels [N] long)
    """
    from mmengine.utils import ProgressBar
    backbone.eval().to(device)
    data_preprocessor.to(device)
    feats, labels = [], []
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    for batch in dataloader:
        batch = data_preprocessor(batch, False)
        x = backbone(batch['inputs'].to(device))[stage]
        if x.dim() == 4:
            x = x.mean(dim=(2, 3))
        feats.append(x.float().cpu())
        labels.append(torch.cat([s.gt_label.view(-1) for s in batch['data_samples']]).cpu())
        if bar is not None:
            for _ in range(x.shape[0]):
                bar.update()
    if bar is not None:
        print()
    return torch.cat(feats), torch.cat(labels).long()
