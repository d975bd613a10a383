"""Pooled backbone features of a dataset, for k-NN, retrieval and statistics.

Checkpoints accepted by :func:`build_backbone` (the file is read once and the
format detected from its keys, see
:func:`mec_plugin.utils.checkpoint.find_backbone_weights`):

* this plugin's Runner checkpoints (``backbone.*``, EMA teacher
  ``teacher.module.0.*``);
* mmpretrain classifier / self-supervised checkpoints (``backbone.*``);
* bare backbone state dicts (``extract_backbone_weights`` output) and
  torchvision ResNet checkpoints (``conv1.weight`` ... ``fc.*``; mmpretrain's
  ``ResNet`` uses torchvision's parameter names, the classifier is dropped);
* the official MoCo / MEC / ssl-small checkpoints (``module.encoder_q.*`` or
  ``module.encoder.*``, classifier dropped).

The representation is the pooled backbone output, or with
``representation='backbone+neck'`` (a config's ``eval_representation``, the
tools' ``--representation``) the output of ``model.neck`` on top of it, with
the neck's weights from the same checkpoint: DISSL's d = 8192 expander, or a
projector.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mec_plugin.registry import MODELS
# Checkpoint reading and format detection live in mec_plugin.utils.checkpoint;
# the names are re-exported here, where the evaluation tools have always found them.
from mec_plugin.utils.checkpoint import (CLASSIFIER_PREFIXES, FOREIGN_PREFIXES,  # noqa: F401
                                         OTHER_TEACHER_PREFIXES, WEIGHT_PREFIXES,
                                         backbone_state_dict, find_backbone_weights,
                                         load_checkpoint_file, neck_state_dict)

#: what the evaluation tools can read: the backbone, or the backbone and the
#: pre-training config's neck (its weights under ``neck.*``, or the teacher's
#: ``teacher.module.1.*`` / ``encoder_k.module.1.*``).
REPRESENTATIONS = ('backbone', 'backbone+neck')
#: the tools' --representation help
REPRESENTATION_HELP = ("what to read: the backbone, or the config's model.neck on top of it "
                       "(default: the config's eval_representation, else 'backbone')")


def _build_without_syncbn(module_cfg: dict) -> nn.Module:
    """The module with every SyncBN (at any depth) made a plain BatchNorm.

    Reverted after building, not by rewriting ``norm_cfg`` to ``'BN'``: that
    builds ``BatchNorm2d``, which refuses the 2-D input of a projector's
    BatchNorm (MMEngine's ``_BatchNormXd`` takes any dimension), and misses
    a norm_cfg nested in a sub-module's config.
    """
    from mmengine.model import revert_sync_batchnorm
    module = revert_sync_batchnorm(MODELS.build(dict(module_cfg)))
    if hasattr(module, 'init_weights'):
        init_quietly(module)
    return module


def init_quietly(module: nn.Module) -> None:
    """``module.init_weights()`` without MMEngine's per-parameter report.

    ``BaseModule`` logs every parameter's initialisation at INFO on the
    current logger (about 240 lines for a ResNet-50) when no log file is
    open -- the case of the evaluation tools, which then load a checkpoint
    over those values anyway.
    """
    import logging

    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        module.init_weights()
    finally:
        logger.setLevel(level)


def _load_exactly(module: nn.Module, state: Dict[str, Tensor], checkpoint: str,
                  what: str) -> None:
    """Load ``state`` into ``module``; a missing, extra or mis-shaped key raises."""
    own = module.state_dict()
    wrong = [f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
             for k, v in state.items() if k in own and own[k].shape != v.shape]
    if wrong:  # torch's own error lists every key after a generic header
        raise ValueError(f'{checkpoint}: {what} weights do not match the config (a '
                         f'checkpoint of another architecture or width?): shape mismatch '
                         f'for {len(wrong)} tensors, e.g. {wrong[:3]}')
    result = module.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise KeyError(f'{checkpoint}: {what} weights do not match the config: missing '
                       f'{result.missing_keys[:10]}, unexpected {result.unexpected_keys[:10]}')


def build_backbone(backbone_cfg: dict, checkpoint: Optional[str] = None,
                   weights: str = 'student', map_location: str = 'cpu',
                   state_dict: Optional[Dict[str, Tensor]] = None) -> nn.Module:
    """Build a backbone from its config and load its weights from a checkpoint.

    Without a checkpoint the network keeps its random initialisation (a
    baseline every representation should beat). Missing or unexpected keys
    raise, naming them. ``state_dict``: the checkpoint's already loaded
    ``state_dict`` (:func:`load_checkpoint_file`), so that a caller that needs
    more from the file reads it only once; ``checkpoint`` then only names it
    in messages.
    """
    backbone = _build_without_syncbn(backbone_cfg)
    if state_dict is None and checkpoint is not None:
        state_dict = load_checkpoint_file(checkpoint, map_location)
    if state_dict is not None:
        state, _ = find_backbone_weights(state_dict, weights)
        _load_exactly(backbone, state, checkpoint or 'the checkpoint', 'backbone')
    return backbone


class BackboneWithNeck(nn.Module):
    """``neck(backbone(x))``: a tuple of outputs, like a backbone's.

    A neck that holds part of the encoder as well as a projection head says
    which part is the representation with ``forward_representation``
    (MoCoSmallNeck: MobileNetV3's classifier block, not the 128-d head); it
    is used instead of the whole neck.
    """

    def __init__(self, backbone: nn.Module, neck: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone
        self.neck = neck

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        feats = self.backbone(x)
        if hasattr(self.neck, 'forward_representation'):
            return (self.neck.forward_representation(feats), )
        return tuple(self.neck(feats))


def build_encoder(model_cfg: dict, checkpoint: Optional[str] = None, weights: str = 'student',
                  representation: str = 'backbone', map_location: str = 'cpu') -> nn.Module:
    """The network whose (pooled) last output the evaluation tools read.

    Args:
        model_cfg (dict): the pre-training config's ``model``.
        representation (str): 'backbone' (``model.backbone``), or
            'backbone+neck' (``model.neck`` on top, e.g. DISSL's d = 8192
            expander; its weights from the same checkpoint).
    """
    if representation not in REPRESENTATIONS:
        raise ValueError(f"representation must be one of {REPRESENTATIONS}, "
                         f"got '{representation}'")
    if representation == 'backbone+neck' and not model_cfg.get('neck'):
        raise KeyError("representation 'backbone+neck': the config's model has no neck")
    # read once: the backbone and the neck come from the same state_dict
    loaded = None if checkpoint is None else load_checkpoint_file(checkpoint, map_location)
    backbone = build_backbone(model_cfg['backbone'], checkpoint, weights, map_location,
                              state_dict=loaded)
    if representation == 'backbone':
        return backbone
    neck = _build_without_syncbn(model_cfg['neck'])
    if loaded is not None:
        state = neck_state_dict(loaded, weights)
        _load_exactly(neck, state, checkpoint, 'neck')
    return BackboneWithNeck(backbone, neck)


def config_representation(cfg, representation: Optional[str] = None) -> str:
    """``representation`` if given, else the config's ``eval_representation`` ('backbone')."""
    return representation or cfg.get('eval_representation', None) or 'backbone'


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
    # not chained: mmpretrain's ResNet.train() returns None, so .eval() does too
    backbone.eval()
    backbone.to(device)
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
            bar.update(x.shape[0])
    if bar is not None:
        print()
    return torch.cat(feats), torch.cat(labels).long()


def extract_pixels(dataloader, progress: bool = True) -> Tuple[Tensor, Tensor]:
    """The images themselves as features: every pixel value (0-255, before
    any normalisation), flattened, with labels. The baseline a learned
    representation has to beat under the same k-NN."""
    from mmengine.utils import ProgressBar
    feats, labels = [], []
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    for batch in dataloader:
        inputs = batch['inputs']
        x = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        feats.append(x.flatten(1).float())
        labels.append(torch.cat([s.gt_label.view(-1) for s in batch['data_samples']]))
        if bar is not None:
            bar.update(x.shape[0])
    if bar is not None:
        print()
    return torch.cat(feats), torch.cat(labels).long()


def dataset_classes(loader_cfg) -> list:
    """The class names of a loader config's dataset (``metainfo['classes']``), or []."""
    if loader_cfg is None:
        return []
    from mmpretrain.registry import DATASETS
    dataset = DATASETS.build(loader_cfg['dataset'])
    return [str(c) for c in (dataset.metainfo.get('classes') or [])]


def save_features(path: str, splits: Dict[str, Tuple[Tensor, Tensor]], **meta) -> None:
    """Save ``{split: (features, labels)}`` plus metadata for the other tools."""
    import os
    import os.path as osp
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(meta=meta, **{name: dict(feats=x.float().cpu(), labels=y.long().cpu())
                                  for name, (x, y) in splits.items()}), path)


def load_features(path: str) -> Dict:
    """Inverse of :func:`save_features`: ``{split: (features, labels)}`` plus ``meta``."""
    from mec_plugin.utils.safe_checkpoint import load_from_local
    data = load_from_local(path, map_location='cpu')
    out = {name: (v['feats'], v['labels']) for name, v in data.items() if name != 'meta'}
    out['meta'] = data.get('meta', {})
    return out


def eval_data_preprocessor(cfg) -> nn.Module:
    """The normalising preprocessor of the evaluation tools for a pre-training config.

    ``knn_data_preprocessor`` when the config has one; otherwise a
    ``ClsDataPreprocessor`` with the mean / std / channel order of
    ``model.data_preprocessor``.
    """
    pre = cfg.get('knn_data_preprocessor')
    if pre is None:
        src = cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor') or {}
        pre = dict(type='ClsDataPreprocessor', mean=src.get('mean', [123.675, 116.28, 103.53]),
                   std=src.get('std', [58.395, 57.12, 57.375]),
                   to_rgb=src.get('to_rgb', src.get('bgr_to_rgb', True)))
    return MODELS.build(pre)


def extract_config_features(cfg, checkpoint: Optional[str] = None, weights: str = 'student',
                            splits=('train', 'test'), device: str = 'cpu', stage: int = -1,
                            seed: int = 0, progress: bool = True,
                            strides: Optional[Dict[str, int]] = None,
                            representation: Optional[str] = None
                            ) -> Dict[str, Tuple[Tensor, Tensor]]:
    """Features of the ``knn_{split}_dataloader`` splits of a pre-training config.

    The backbone is ``cfg.model.backbone`` with the checkpoint's weights (any
    format :func:`find_backbone_weights` knows), or randomly initialised with
    ``seed`` when ``checkpoint`` is None; with ``representation``
    'backbone+neck' (default: the config's ``eval_representation``) the
    config's neck follows it (:func:`build_encoder`); ``representation='pixels'``
    reads the images themselves (:func:`extract_pixels`, no network). ``strides={'train': 5}`` keeps every
    5th sample of a split: ImageFolder lists are sorted by class, so a stride
    keeps every class where a dataset's ``indices=N`` would keep the first ones.
    """
    from mmengine.runner import Runner
    for split in splits:
        if cfg.get(f'knn_{split}_dataloader') is None:
            raise KeyError(f'the config has no `knn_{split}_dataloader`: the tools need labelled '
                           'loaders with a deterministic pipeline (see configs/_base_/datasets)')
    pixels = representation == 'pixels'
    if not pixels:
        torch.manual_seed(seed)
        backbone = build_encoder(cfg.model, checkpoint, weights,
                                 config_representation(cfg, representation))
        preprocessor = eval_data_preprocessor(cfg)
    out = {}
    for split in splits:
        loader_cfg = cfg[f'knn_{split}_dataloader'].copy()
        stride = (strides or {}).get(split, 1)
        if stride > 1:
            from mec_plugin.registry import DATASETS
            dataset = DATASETS.build(loader_cfg['dataset'])
            loader_cfg['dataset'] = dataset.get_subset(list(range(0, len(dataset), stride)))
        loader = Runner.build_dataloader(loader_cfg)
        out[split] = extract_pixels(loader, progress) if pixels else extract_features(
            backbone, loader, preprocessor, device, stage, progress)
    return out
