"""Checkpoint formats of a ResNet backbone: reading, detection, key maps.

The one module that reads checkpoint files for the evaluation tools, the
converters and the warm-start hook (:func:`load_checkpoint_file`, through the
plugin's safe loader, :mod:`mec_plugin.utils.safe_checkpoint`) and that tells
checkpoint formats apart. A file is read once; everything else here works on
the loaded ``{name: tensor}`` dict. Nothing here saves files
(``tools/model_converters/`` does that).

Two questions are asked of a loaded ``state_dict``:

* *Where is the backbone?* -- :func:`find_backbone_weights`, for the
  evaluation tools: lenient, it takes the plugin's and mmpretrain's
  ``backbone.*``, the EMA teacher, MoCo's key encoder, the official MoCo /
  MEC / ssl-small encoders and bare or torchvision ResNets.
* *Which format is it?* -- :func:`detect_format`, for the converters: strict,
  it names one of the formats below, and :func:`to_backbone` then checks
  that nothing else is in the file.

Formats (``detect_format`` tells them apart):

``plugin``
    A Runner checkpoint's ``state_dict`` of a plugin algorithm: student
    backbone under ``backbone.*``, EMA teacher backbone under
    ``teacher.module.0.*`` (``ForeachCosineEMA(Sequential(backbone, neck))``),
    projector / predictor / teacher projector elsewhere.
``official_mec``
    The official MEC release (xinliu20/MEC): a torchvision ResNet under
    ``module.encoder.*`` whose ``fc`` is the projector, plus
    ``module.predictor.*``. No teacher.
``torchvision``
    ``torchvision.models.resnet*``'s ``state_dict`` (with or without ``fc``).
``backbone``
    What the converters write: bare ResNet keys (``conv1``, ``bn1``,
    ``layer{1-4}.{j}.{conv,bn}{k}``, ``layer{i}.0.downsample.{0,1}``).

mmpretrain's ``ResNet`` / ``ResNet_CIFAR``, mmdet's and mmseg's ``ResNet``
(``deep_stem=False``, ``avg_down=False``) and torchvision's ResNet share these
names, so the maps are prefix maps; what they add is the check that a
checkpoint really is the ResNet it claims to be (every stage, the depth, no
stray keys) and the stem check -- a CIFAR ResNet's 3x3 stem does not fit the
7x7 stem of the detection / segmentation ResNets, and a deep stem
(``stem.*``, ResNetV1c/V1d) fits neither. A standard ResNet's depths and keys
are mmpretrain's ``ResNet``'s; stem, stages and depth are read from the file's
keys first, so a refusal names them rather than every key a network misses.
"""
import re
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from torch import Tensor

from mec_plugin.utils import safe_checkpoint

StateDict = Dict[str, Tensor]

#: where each kind of weights lives in a checkpoint of this plugin: student
#: ``backbone.*``; EMA teacher ``teacher.module.0.*`` of
#: ``ForeachCosineEMA(Sequential(backbone, neck))``.
WEIGHT_PREFIXES = {'student': 'backbone.', 'teacher': 'teacher.module.0.'}
#: other EMA copies of the backbone that 'teacher' also finds: MoCo's key
#: encoder (mmpretrain's MoCo and the plugin's MoCoSmall, ``encoder_k`` =
#: ``ExponentialMovingAverage(Sequential(backbone, neck))``).
OTHER_TEACHER_PREFIXES = ('encoder_k.module.0.', )
#: prefixes of the backbone in checkpoints of other code bases, tried in
#: order by :func:`find_backbone_weights` when the plugin's own is absent.
FOREIGN_PREFIXES = ('backbone.', 'module.encoder_q.', 'module.encoder.', 'encoder_q.', 'encoder.',
                    'module.')
#: heads that torchvision / official encoders keep inside the backbone's namespace.
CLASSIFIER_PREFIXES = ('fc.', 'head.', 'classifier.')
OFFICIAL_ENCODER = 'module.encoder.'
#: parts of an official MEC checkpoint that are not the backbone.
OFFICIAL_NON_BACKBONE = ('module.encoder.fc.', 'module.predictor.')

_STAGE_KEY = re.compile(r'^layer(\d+)\.(\d+)\.')


class CheckpointFormatError(ValueError):
    """A checkpoint is not the ResNet (or the format) it claims to be."""


@lru_cache(maxsize=None)
def _depth_settings() -> Dict[int, Tuple[str, Tuple[int, ...]]]:
    """``{depth: (block type, blocks per stage)}``, as all the hosts' ResNets have them."""
    from mmpretrain.models.backbones.resnet import ResNet
    return {depth: (block.__name__, tuple(blocks))
            for depth, (block, blocks) in ResNet.arch_settings.items()}


def _check_depth(depth: int) -> None:
    if depth not in _depth_settings():
        raise CheckpointFormatError(f'no standard ResNet of depth {depth}; '
                                    f'known depths: {sorted(_depth_settings())}')


def _short(keys: Iterable[str], limit: int = 12) -> str:
    keys = sorted(keys)
    more = f' ... and {len(keys) - limit} more' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


def load_checkpoint_file(checkpoint: str, map_location: Any = 'cpu') -> StateDict:
    """The ``state_dict`` of a checkpoint file (Runner checkpoints included).

    The one place the tools read a checkpoint: once, as MMEngine's local
    loader does once the plugin is imported -- safely, with the allow-list of
    :mod:`mec_plugin.utils.safe_checkpoint`. A Runner / mmpretrain file's
    ``state_dict`` (or ``model``) entry is returned; a bare ``{name: tensor}``
    file as it is.

    Raises:
        CheckpointFormatError: the file holds no dict of weights; besides what
            :func:`~mec_plugin.utils.safe_checkpoint.load_from_local` raises
            (a missing file, an unsafe or a corrupt one).
    """
    ckpt = safe_checkpoint.load_from_local(checkpoint, map_location=map_location)
    for key in ('state_dict', 'model'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            return ckpt[key]
    if not isinstance(ckpt, dict):
        raise CheckpointFormatError(f'{checkpoint}: no state_dict in it (a {type(ckpt).__name__})')
    return ckpt


def _prefix_for(state_dict: StateDict, weights: str) -> str:
    prefix = WEIGHT_PREFIXES[weights]
    if weights == 'teacher' and not any(k.startswith(prefix) for k in state_dict):
        for other in OTHER_TEACHER_PREFIXES:
            if any(k.startswith(other) for k in state_dict):
                return other
    return prefix


def _check_weights(weights: str) -> None:
    if weights not in WEIGHT_PREFIXES:
        raise ValueError(f"weights must be one of {tuple(WEIGHT_PREFIXES)}, got '{weights}'")


def backbone_state_dict(state_dict: StateDict, weights: str = 'student') -> StateDict:
    """The backbone's weights from a plugin / mmpretrain checkpoint's ``state_dict``.

    Args:
        weights (str): 'student' (``backbone.*``) or 'teacher' (the EMA copy,
            ``teacher.module.0.*``, or MoCo's key encoder ``encoder_k.module.0.*``).

    Raises:
        KeyError: no such weights in the checkpoint (its top-level keys named).
    """
    _check_weights(weights)
    prefix = _prefix_for(state_dict, weights)
    out = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not out:
        found = sorted({k.split('.')[0] for k in state_dict})
        raise KeyError(f"no '{prefix}*' keys in the checkpoint (its top-level keys: {found}); "
                       f"is it a checkpoint of a plugin algorithm with {weights} weights?")
    return out


def neck_state_dict(state_dict: StateDict, weights: str = 'student') -> StateDict:
    """The pre-training neck's weights from a plugin / mmpretrain checkpoint.

    The student's neck is ``neck.*``; an EMA copy ``Sequential(backbone,
    neck)`` keeps it at index 1 (``teacher.module.1.*``, ``encoder_k.module.1.*``).
    """
    _check_weights(weights)
    backbone_prefix = _prefix_for(state_dict, weights)
    prefix = 'neck.' if backbone_prefix == 'backbone.' else backbone_prefix.replace(
        '.module.0.', '.module.1.')
    out = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not out:
        found = sorted({k.split('.')[0] for k in state_dict})
        raise KeyError(f"representation 'backbone+neck' needs the neck's weights, but the "
                       f"checkpoint has no '{prefix}*' keys (its top-level keys: {found}); "
                       "only plugin / mmpretrain checkpoints of the config's algorithm carry them")
    return out


def find_backbone_weights(state_dict: StateDict,
                          weights: str = 'student') -> Tuple[StateDict, str]:
    """The backbone's weights from a checkpoint of any format the evaluation tools read.

    Returns:
        (state dict without prefix and classifier, a name of the format found)

    Raises:
        KeyError: no backbone found (the top-level keys named), or no
            teacher weights for ``weights='teacher'``.
    """
    _check_weights(weights)
    prefix = _prefix_for(state_dict, weights)
    if any(k.startswith(prefix) for k in state_dict):
        return backbone_state_dict(state_dict, weights), f'prefix {prefix!r}'
    if weights == 'teacher':
        raise KeyError(f"no '{prefix}*' (or MoCo 'encoder_k.module.0.*') keys: only the EMA "
                       "teacher / key encoder of a plugin or mmpretrain MoCo checkpoint qualifies")
    for foreign in FOREIGN_PREFIXES:
        sub = {k[len(foreign):]: v for k, v in state_dict.items() if k.startswith(foreign)}
        if sub and any(k.startswith('conv1.') or k.startswith('layer1.') for k in sub):
            return _drop_classifier(sub), f'prefix {foreign!r}'
    if any(k.startswith('conv1.') for k in state_dict):  # a bare (torchvision-style) ResNet
        return _drop_classifier(dict(state_dict)), 'bare backbone'
    found = sorted({k.split('.')[0] for k in state_dict})
    raise KeyError(f'cannot find backbone weights in the checkpoint (top-level keys: {found})')


def _drop_classifier(state_dict: StateDict) -> StateDict:
    return {k: v for k, v in state_dict.items() if not k.startswith(CLASSIFIER_PREFIXES)}


def detect_format(state_dict: StateDict) -> str:
    """``'plugin'``, ``'official_mec'``, ``'torchvision'`` or ``'backbone'``."""
    keys = list(state_dict)
    if any(k.startswith(p) for k in keys for p in WEIGHT_PREFIXES.values()):
        return 'plugin'
    if any(k.startswith(OFFICIAL_ENCODER) for k in keys):
        return 'official_mec'
    if 'conv1.weight' in state_dict or any(k.startswith('stem.') for k in keys):
        return 'torchvision' if 'fc.weight' in state_dict else 'backbone'
    raise CheckpointFormatError(
        'not a ResNet checkpoint of a known format (plugin: backbone.* / '
        'teacher.module.0.*, official MEC: module.encoder.*, torchvision or '
        f'backbone: conv1.weight); its first keys are: {_short(keys, 8)}')


def strip_prefix(state_dict: StateDict, prefix: str,
                 exclude: Sequence[str] = ()) -> StateDict:
    """The entries under ``prefix`` with the prefix removed, skipping keys
    that start with any of ``exclude`` (full names, prefix included)."""
    return OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                       if k.startswith(prefix) and not k.startswith(tuple(exclude)))


def plugin_to_backbone(state_dict: StateDict, weights: str = 'student') -> StateDict:
    """Backbone of a plugin checkpoint: the student's or the EMA teacher's.

    The same lookup as :func:`backbone_state_dict` (the evaluation tools'),
    so the tools and the converters never disagree on where the weights live.
    """
    try:
        return OrderedDict(backbone_state_dict(state_dict, weights))
    except KeyError as error:  # re-raised as the converters' one error type
        raise CheckpointFormatError(error.args[0]) from None


def official_mec_to_backbone(state_dict: StateDict) -> StateDict:
    """Backbone of an official MEC checkpoint (``module.encoder.*``).

    The projector (``module.encoder.fc.*``) and the predictor
    (``module.predictor.*``) are dropped; any other key outside
    ``module.encoder.`` means the file is something else, and is named.
    """
    stray = [k for k in state_dict
             if not k.startswith(OFFICIAL_ENCODER) and not k.startswith(OFFICIAL_NON_BACKBONE)]
    if stray:
        raise CheckpointFormatError(
            f'unexpected keys in an official MEC checkpoint (expected only '
            f'module.encoder.* and module.predictor.*): {_short(stray)}')
    return strip_prefix(state_dict, OFFICIAL_ENCODER, exclude=OFFICIAL_NON_BACKBONE)


def torchvision_to_backbone(state_dict: StateDict) -> StateDict:
    """A torchvision ResNet without its classifier (``fc.*``)."""
    return OrderedDict((k, v) for k, v in state_dict.items() if not k.startswith('fc.'))


def backbone_to_torchvision(state_dict: StateDict) -> StateDict:
    """Backbone keys as torchvision names them (no ``fc``: load with
    ``strict=False``, or add a classifier).

    Refuses the stems torchvision's ResNet does not have (3x3 CIFAR, deep).
    """
    arch = infer_resnet_arch(state_dict)
    if arch['stem'] != '7x7':
        raise CheckpointFormatError(
            f"torchvision's ResNet has a 7x7 stem; this backbone's stem is {arch['stem']} "
            f'({_stem_evidence(state_dict)}), so torchvision cannot load it')
    # The names already agree (module names conv1, bn1, layerX.Y.convZ/bnZ,
    # downsample.{0,1} on both sides): a copy, so callers may mutate it.
    return OrderedDict(state_dict)


def _stem_evidence(state_dict: StateDict) -> str:
    if any(k.startswith('stem.') for k in state_dict):
        return 'stem.* keys'
    if 'conv1.weight' in state_dict:
        return f"conv1.weight has shape {list(state_dict['conv1.weight'].shape)}"
    return 'no conv1.weight'


def infer_resnet_arch(state_dict: StateDict) -> dict:
    """What ResNet a backbone ``state_dict`` holds, from its keys and shapes.

    Returns:
        dict with ``stem`` ('7x7', '3x3' = CIFAR ResNet, 'deep' = V1c/V1d
        ``stem.*``), ``block`` ('BasicBlock' / 'Bottleneck'), ``blocks``
        (blocks per stage, a tuple), ``depth`` (int, or None when the block
        counts match no standard ResNet), ``stem_channels``.
    """
    deep = [v for k, v in state_dict.items() if k.startswith('stem.') and v.dim() == 4]
    if deep:  # mmdet/mmseg name it stem.{0,3,6}, mmpretrain stem.{0,1,2}.conv
        stem, stem_w = 'deep', deep[0]
    elif 'conv1.weight' in state_dict:
        stem_w = state_dict['conv1.weight']
        stem = {7: '7x7', 3: '3x3'}.get(stem_w.shape[-1], f'{stem_w.shape[-1]}x{stem_w.shape[-1]}')
    else:
        raise CheckpointFormatError(
            'no stem: neither conv1.weight nor stem.0.weight is in the '
            f'checkpoint (first keys: {_short(state_dict, 8)})')
    blocks_per_stage: Dict[int, set] = {}
    for key in state_dict:
        match = _STAGE_KEY.match(key)
        if match:
            blocks_per_stage.setdefault(int(match.group(1)), set()).add(int(match.group(2)))
    blocks = tuple(len(blocks_per_stage.get(i, ())) for i in range(1, 5))
    block = 'Bottleneck' if 'layer1.0.conv3.weight' in state_dict else 'BasicBlock'
    depth = next((d for d, arch in _depth_settings().items() if arch == (block, blocks)), None)
    return dict(stem=stem, block=block, blocks=blocks, depth=depth,
                stem_channels=int(stem_w.shape[0]))


@lru_cache(maxsize=None)
def _resnet_keys(depth: int, stem: str) -> Tuple[str, ...]:
    from mmpretrain.models.backbones import ResNet, ResNet_CIFAR
    return tuple((ResNet if stem == '7x7' else ResNet_CIFAR)(depth).state_dict())


def expected_resnet_keys(depth: int, stem: str = '7x7',
                         num_batches_tracked: bool = True) -> List[str]:
    """Every key of a standard (``avg_down=False``) ResNet backbone, no ``fc``:
    those of mmpretrain's ``ResNet`` (7x7 stem) or ``ResNet_CIFAR`` (3x3 stem)
    of that depth, built once per process.

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        stem (str): '7x7' or '3x3' (one ``conv1`` + ``bn1``). Deep stems
            are named differently by each host and are not converted.
        num_batches_tracked (bool): include BN's ``num_batches_tracked``
            buffers (old torchvision files lack them).
    """
    _check_depth(depth)
    if stem not in ('7x7', '3x3'):
        raise CheckpointFormatError(f"no key list for a '{stem}' stem (only 7x7 and 3x3)")
    return [k for k in _resnet_keys(depth, stem)
            if num_batches_tracked or not k.endswith('.num_batches_tracked')]


def check_resnet_backbone(state_dict: StateDict, depth: Optional[int] = None,
                          stems: Sequence[str] = ('7x7', )) -> dict:
    """Check that a backbone ``state_dict`` is a whole standard ResNet.

    Args:
        depth (int, optional): the depth it must have; None accepts any.
        stems (sequence of str): the stems the target network has; '7x7'
            for mmpretrain's / mmdet's / mmseg's / torchvision's ResNet,
            '3x3' for mmpretrain's ``ResNet_CIFAR``.

    Returns:
        the architecture (:func:`infer_resnet_arch`).

    Raises:
        CheckpointFormatError: naming the missing stages, the depth found,
            the missing or unexpected keys, or the stem that does not fit.
    """
    if depth is not None:
        _check_depth(depth)
    arch = infer_resnet_arch(state_dict)
    if arch['stem'] not in stems:
        hint = ''
        if arch['stem'] == '3x3':
            hint = (" -- a CIFAR ResNet (mmpretrain's ResNet_CIFAR: 3x3 stride-1 stem, no "
                    "max-pool). mmdet's / mmseg's ResNet cannot load it; convert with "
                    "--stem 3x3 and use a config whose backbone is type='mmpretrain.ResNet_CIFAR' "
                    '(configs/benchmarks/mmdetection/coco/mask-rcnn_r18-cifar_fpn_1x_coco.py)')
        elif arch['stem'] == 'deep':
            hint = ' -- a deep-stem ResNetV1c/V1d; use type=ResNetV1c (mmdet/mmseg) as the target'
        raise CheckpointFormatError(
            f"the backbone's stem is {arch['stem']} ({_stem_evidence(state_dict)}), the target "
            f'network expects {" or ".join(stems)}{hint}')
    missing_stages = [f'layer{i}' for i, n in enumerate(arch['blocks'], start=1) if n == 0]
    if missing_stages:
        raise CheckpointFormatError(
            f'missing stages: no {", ".join(k + ".*" for k in missing_stages)} keys '
            f"(blocks per stage found: {arch['blocks']}); a truncated or non-ResNet checkpoint?")
    if arch['depth'] is None:
        known = ', '.join(f'{d}: {b}' for d, (_, b) in sorted(_depth_settings().items()))
        raise CheckpointFormatError(
            f"{arch['block']} blocks per stage {arch['blocks']} match no standard ResNet "
            f'({known}); missing or extra blocks?')
    if depth is not None and arch['depth'] != depth:
        raise CheckpointFormatError(
            f"wrong depth: the checkpoint is a ResNet-{arch['depth']} ({arch['block']}, blocks "
            f"{arch['blocks']}), expected ResNet-{depth} {_depth_settings()[depth]}")
    has_nbt = any(k.endswith('num_batches_tracked') for k in state_dict)
    expected = set(expected_resnet_keys(arch['depth'], arch['stem'], has_nbt))
    missing = expected.difference(state_dict)
    unexpected = set(state_dict).difference(expected)
    if missing or unexpected:
        raise CheckpointFormatError(
            f"not a complete ResNet-{arch['depth']}: missing keys [{_short(missing)}], "
            f'unexpected keys [{_short(unexpected)}]')
    non_tensors = [k for k, v in state_dict.items() if not isinstance(v, Tensor)]
    if non_tensors:
        raise CheckpointFormatError(f'entries that are not tensors: {_short(non_tensors)}')
    return arch


def to_backbone(state_dict: StateDict, source: str = 'auto',
                weights: str = 'student') -> Tuple[StateDict, str]:
    """Any supported format -> bare backbone keys, and the format it was.

    Args:
        source (str): 'auto' (:func:`detect_format`), 'plugin',
            'official_mec', 'torchvision' or 'backbone'.
        weights (str): for a plugin checkpoint, 'student' or 'teacher'.
    """
    if source == 'auto':
        source = detect_format(state_dict)
    if weights != 'student' and source != 'plugin':
        raise CheckpointFormatError(
            f"weights='{weights}' needs a plugin checkpoint (with the EMA teacher); "
            f'this one is {source}, which holds one set of backbone weights')
    if source == 'plugin':
        return plugin_to_backbone(state_dict, weights), source
    if source == 'official_mec':
        return official_mec_to_backbone(state_dict), source
    if source in ('torchvision', 'backbone'):
        return torchvision_to_backbone(state_dict), source
    raise CheckpointFormatError(f"unknown source format '{source}'")
