"""The one place that names the host registries.

The plugin registers into **mmpretrain's** registries (as mmpretrain's own
projects do), so configs keep ``default_scope='mmpretrain'`` and every host
type resolves without a prefix; from an mmdet / mmseg config, ``'mec_plugin.MEC'``
and ``'mmpretrain.MEC'`` both resolve (the package root re-exports every
registered class).
"""
from .compat import disable_mmpretrain_multimodal_if_transformers_5

disable_mmpretrain_multimodal_if_transformers_5()

from mmpretrain.registry import (DATASETS, HOOKS, METRICS, MODELS,  # noqa: E402
                                 TRANSFORMS)

__all__ = ['MODELS', 'HOOKS', 'TRANSFORMS', 'DATASETS', 'METRICS']
