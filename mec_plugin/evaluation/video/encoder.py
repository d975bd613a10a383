"""Frozen backbone features of video frames at stride 8.

Label propagation compares feature cells, so it reads a backbone stage at a
fine stride. CRW and UniTrack (their ``s3`` models) read **res4 of an ImageNet
ResNet with the stride of res4 set to 1** (``remove_layers=['layer4']`` and
``modify()`` setting the strides of layer3/layer4 to 1, no dilation): res4's
features at stride 8. :func:`stride8_backbone_cfg` makes the same change on a
config through mmpretrain's ``ResNet(strides=...)`` option, for any stage:

* ``ResNet`` (ImageNet stem, stride 4): res2 4, res3 8, res4 16, res5 32.
  The default (``stage='auto'``) is res4 (index 2) with its stride set to 1,
  i.e. ``strides=(1, 2, 1, 2)``, ``out_indices=(2,)``; ``stage=1`` reads res3,
  at stride 8 unchanged.
* ``ResNet_CIFAR`` (the plugin's small configs; 3 × 3 stem of stride 1,
  no max-pool): res2 1, res3 2, res4 4, res5 8. res4 cannot reach stride 8,
  so ``'auto'`` reads res5 (index 3), at stride 8 unchanged.

Stages after the one read are not run. Features are float32, computed in
eval mode without gradients.
"""
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

#: the stride of the features label propagation reads (CRW, UniTrack)
FEATURE_STRIDE = 8
#: the stage CRW / UniTrack read: res4 (index 2 of ResNet's out_indices)
CRW_STAGE = 2


def _build(backbone_cfg: dict) -> nn.Module:
    from mec_plugin.registry import MODELS
    cfg = dict(backbone_cfg)
    if cfg.get('norm_cfg', {}).get('type') == 'SyncBN':
        cfg['norm_cfg'] = dict(cfg['norm_cfg'], type='BN')
    return MODELS.build(cfg)


@torch.no_grad()
def stage_strides(backbone_cfg: dict, size: int = 64) -> Tuple[int, ...]:
    """Output stride of every stage of a backbone, measured on a ``size`` × ``size`` input."""
    cfg = dict(backbone_cfg)
    cfg['out_indices'] = tuple(range(cfg.get('num_stages', 4)))
    net = _build(cfg)
    net.eval()
    outs = net(torch.zeros(1, cfg.get('in_channels', 3), size, size))
    return tuple(int(round(size / o.shape[-1])) for o in outs)


def stride8_backbone_cfg(backbone_cfg: dict, stage: Union[str, int] = 'auto',
                         stride: int = FEATURE_STRIDE) -> Tuple[dict, Dict]:
    """The backbone config that outputs one stage at ``stride``.

    Args:
        backbone_cfg (dict): a ResNet-style config with ``strides`` (mmpretrain
            ``ResNet``, ``ResNet_CIFAR``, ``ResNetV1c``, ...).
        stage: index of the stage to read, or ``'auto'``: res4 (index 2) when it
            reaches ``stride`` (CRW / UniTrack), else the first stage whose
            stride is ``stride`` (res5 of the CIFAR ResNet).

    Returns:
        (config with ``out_indices=(stage,)`` and, where the stage's native
        stride exceeds ``stride``, the strides that would pass it set to 1;
        a dict ``stage``, ``native_stride``, ``stride``, ``strides``)

    A stage whose native stride is below ``stride`` is read at its own stride
    (said in the returned ``stride``).
    """
    native = stage_strides(backbone_cfg)
    if stage == 'auto':
        if len(native) > CRW_STAGE and native[CRW_STAGE] >= stride:
            stage = CRW_STAGE
        elif stride in native:
            stage = native.index(stride)
        else:
            raise ValueError(f'no stage of {backbone_cfg.get("type")} reaches stride {stride} '
                             f'(stage strides {native}); choose one with `stage`')
    stage = int(stage)
    if not 0 <= stage < len(native):
        raise ValueError(f'stage {stage} out of range: the backbone has {len(native)} stages '
                         f'(strides {native})')
    cfg = dict(backbone_cfg, out_indices=(stage, ))
    strides = None
    if native[stage] > stride:
        if 'strides' not in cfg:
            default = getattr(_build(backbone_cfg), 'strides', None)
            if default is None:
                raise ValueError(f'{backbone_cfg.get("type")} has no `strides` option: read a '
                                 f'stage at stride {stride} natively (strides {native})')
            cfg['strides'] = tuple(default)
        strides = list(cfg['strides'])
        # cumulative stride before each stage's own stride: the stem's at stage 0
        reached = native[0] // strides[0]
        for i in range(stage + 1):
            if reached * strides[i] > stride:
                strides[i] = 1
            reached *= strides[i]
        cfg['strides'] = tuple(strides)
    info = dict(stage=stage, native_stride=native[stage], stride=min(native[stage], stride),
                strides=None if strides is None else tuple(strides))
    return cfg, info


class FrameEncoder:
    """Video frames (T × H × W × 3 uint8, RGB) -> T × C × h × w float32 features.

    Args:
        backbone (nn.Module): returns a tuple whose ``output`` entry is read.
        data_preprocessor (nn.Module): mmpretrain's ``ClsDataPreprocessor`` of
            the config (mean / std / channel order); it receives the frames in
            mmcv's loading order (BGR), as from ``LoadImageFromFile``; a
            one-channel preprocessor gets grey frames (ITU-R 601 luma, as
            ``cv2`` / PIL ``'L'``).
        size (tuple, optional): (H, W) the frames are resized to (bilinear)
            before the network; None keeps the native size.
        batch_size (int): frames per forward pass.
    """

    def __init__(self, backbone: nn.Module, data_preprocessor: nn.Module, device: str = 'cpu',
                 size: Optional[Tuple[int, int]] = None, batch_size: int = 8,
                 output: int = -1) -> None:
        self.backbone = backbone.to(device)
        self.backbone.eval()  # not chained: mmpretrain's ResNet.train() returns None
        self.pre = data_preprocessor.to(device)
        self.device, self.size, self.batch_size, self.output = device, size, batch_size, output
        mean = getattr(data_preprocessor, 'mean', None)
        self.grey = mean is not None and mean.shape[0] == 1

    def _inputs(self, frames: np.ndarray) -> Tensor:
        x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
        if self.size is not None and tuple(x.shape[-2:]) != tuple(self.size):
            x = F.interpolate(x, size=tuple(self.size), mode='bilinear', align_corners=False,
                              antialias=True).clamp(0, 255)
        if self.grey:
            luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
            return (x * luma).sum(1, keepdim=True)
        return x.flip(1)  # RGB -> BGR, the order mmcv loads and the preprocessor expects

    @torch.no_grad()
    def __call__(self, frames: np.ndarray) -> Tensor:
        feats = []
        for start in range(0, len(frames), self.batch_size):
            x = self._inputs(frames[start:start + self.batch_size]).to(self.device)
            x = self.pre(dict(inputs=x, data_samples=None), False)['inputs']
            feats.append(self.backbone(x)[self.output].float())
        return torch.cat(feats)


def build_frame_encoder(cfg, checkpoint: Optional[str] = None, weights: str = 'student',
                        stage: Union[str, int] = 'auto', device: str = 'cpu',
                        size: Optional[Tuple[int, int]] = None,
                        batch_size: int = 8) -> Tuple[FrameEncoder, Dict]:
    """The frozen backbone of a pre-training config at stride 8, with its preprocessing.

    The checkpoint may be any format :func:`~mec_plugin.evaluation.find_backbone_weights`
    reads (plugin, mmpretrain, bare / torchvision ResNet, official MoCo / MEC);
    None keeps the random initialisation (seed it before calling).

    Returns:
        (the encoder, :func:`stride8_backbone_cfg`'s info)
    """
    from mec_plugin.evaluation.features import build_backbone, eval_data_preprocessor
    backbone_cfg, info = stride8_backbone_cfg(cfg.model.backbone, stage)
    backbone = build_backbone(backbone_cfg, checkpoint, weights)
    if hasattr(backbone, 'res_layers'):  # mmpretrain ResNets run every stage otherwise
        backbone.res_layers = backbone.res_layers[:info['stage'] + 1]
    for p in backbone.parameters():
        p.requires_grad_(False)
    encoder = FrameEncoder(backbone, eval_data_preprocessor(cfg), device, size, batch_size)
    return encoder, info
