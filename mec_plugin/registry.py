"""The one place that names the host registries.

The plugin registers into **mmpretrain's** registries (as mmpretrain's own
projects do), so configs keep ``default_scope='mmpretrain'`` and every host
type resolves without a prefix; from an mmdet / mmseg config, ``'mec_plugin.MEC'``
and ``'mmpretrain.MEC'`` both resolve (the package root re-exports every
registered class).

In an MMSelfSup 1.x environment without mmpretrain the registries are
MMSelfSup's (``default_scope='mmselfsup'``; MEC only): see :mod:`mec_plugin.host`.
"""
from .host import (DATASETS, HOOKS, LOOPS, METRICS, MODELS, OPTIM_WRAPPERS, OPTIMIZERS,
                   PARAM_SCHEDULERS, TRANSFORMS)

__all__ = ['MODELS', 'HOOKS', 'TRANSFORMS', 'DATASETS', 'METRICS', 'LOOPS', 'OPTIM_WRAPPERS',
           'OPTIMIZERS', 'PARAM_SCHEDULERS']
