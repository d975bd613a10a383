"""The host the plugin registers into: mmpretrain 1.x, or MMSelfSup 1.x.

MMSelfSup 1.0.0 (with mmcls 1.0.0rc6) cannot be imported beside mmpretrain
1.2.0 + mmdet 3.3.0 (both register ``ResLayerExtraNorm`` into mmdet), so MMSelfSup
projects live in an environment of their own. There the plugin offers the MEC
family only (docs/hosts.md); the comparators are built on mmpretrain classes
and are not imported.

``HOST`` is ``'mmpretrain'`` when mmpretrain is installed (also when both are:
nothing changes for mmpretrain users), else ``'mmselfsup'``. This module names
everything the MEC modules take from the host, so that they import one name
whatever the host is:

================== ================================ =====================================
name               mmpretrain 1.x                   MMSelfSup 1.0.0
================== ================================ =====================================
registries         ``mmpretrain.registry``          ``mmselfsup.registry``
BaseSelfSupervisor ``mmpretrain.models.selfsup``    :class:`SelfSupBaseModel` (below)
DataSample         ``mmpretrain.structures``        ``mmselfsup.structures.SelfSupDataSample``
NonLinearNeck      ``mmpretrain.models.necks``      ``mmselfsup.models.necks``
CosineEMA          ``mmpretrain.models.utils``      ``mmselfsup.models.utils``
LARS               ``mmpretrain.engine.optimizers`` ``mmselfsup.engine.optimizers``
get_ori_model      ``mmpretrain.utils``             ``mmselfsup.utils.get_model``
================== ================================ =====================================

API differences the MEC modules rely on, handled here or in the caller:

* ``extract_feat``: mmpretrain's base returns ``backbone(inputs)``; MMSelfSup's
  raises ``NotImplementedError`` and its ``forward(mode='tensor')`` passes
  ``data_samples=``. :class:`SelfSupBaseModel` gives MMSelfSup mmpretrain's
  behaviour.
* ``loss(inputs, data_samples)``: the same on both (``inputs`` = list of
  views from ``SelfSupDataPreprocessor``, which both hosts name alike; MMSelfSup's
  returns a tuple, mmpretrain's a dict -- mmengine's ``BaseModel`` takes both).
* ``CosineEMA``: mmpretrain's ``momentum`` is the weight of the *new*
  parameters (0.004), MMSelfSup's of the *old* ones (0.996). ``ForeachCosineEMA``
  replaces the update and keeps mmpretrain's convention on both hosts, so
  ``MEC(base_momentum=0.004)`` means the same everywhere.
"""
import importlib.util
from typing import List, Optional

import torch


def detect_host() -> str:
    """``'mmpretrain'`` if it is installed, else ``'mmselfsup'`` (no import)."""
    if importlib.util.find_spec('mmpretrain') is not None:
        return 'mmpretrain'
    if importlib.util.find_spec('mmselfsup') is not None:
        return 'mmselfsup'
    raise ImportError(
        'mec_plugin needs a host: install mmpretrain 1.x (all methods) or, in '
        'an environment of its own, mmselfsup 1.x (MEC only); neither is installed')


HOST: str = detect_host()

if HOST == 'mmpretrain':
    from .compat import disable_mmpretrain_multimodal_if_transformers_5

    disable_mmpretrain_multimodal_if_transformers_5()  # before mmpretrain loads

    from mmpretrain.engine.optimizers import LARS
    from mmpretrain.models.necks import NonLinearNeck
    from mmpretrain.models.selfsup import BaseSelfSupervisor
    from mmpretrain.models.utils import CosineEMA
    from mmpretrain.registry import (DATASETS, HOOKS, LOOPS, METRICS, MODELS, OPTIM_WRAPPERS,
                                     OPTIMIZERS, PARAM_SCHEDULERS, TRANSFORMS)
    from mmpretrain.structures import DataSample
    from mmpretrain.utils import get_ori_model
else:
    from mmselfsup.engine.optimizers import LARS
    from mmselfsup.models.algorithms import BaseModel as _MMSelfSupBaseModel
    from mmselfsup.models.necks import NonLinearNeck
    from mmselfsup.models.utils import CosineEMA
    from mmselfsup.registry import (DATASETS, HOOKS, LOOPS, METRICS, MODELS, OPTIM_WRAPPERS,
                                    OPTIMIZERS, PARAM_SCHEDULERS, TRANSFORMS)
    from mmselfsup.structures import SelfSupDataSample as DataSample
    from mmselfsup.utils import get_model as get_ori_model

    class SelfSupBaseModel(_MMSelfSupBaseModel):
        """MMSelfSup 1.x's ``BaseModel`` with mmpretrain's ``extract_feat``.

        Same constructor (``backbone``, ``neck``, ``head``, ``target_generator``,
        ``pretrained``, ``data_preprocessor`` defaulting to
        ``mmselfsup.SelfSupDataPreprocessor``, ``init_cfg``).
        """

        def extract_feat(self, inputs: torch.Tensor,
                         data_samples: Optional[List[DataSample]] = None, **kwargs):
            """Backbone features of a batch ``(N, C, H, W)`` (mmpretrain's behaviour).

            MMSelfSup's ``forward(mode='tensor')`` passes ``data_samples``; the
            backbone does not need them.
            """
            return self.backbone(inputs)

    BaseSelfSupervisor = SelfSupBaseModel

__all__ = [
    'HOST', 'detect_host', 'MODELS', 'HOOKS', 'TRANSFORMS', 'DATASETS', 'METRICS', 'LOOPS',
    'OPTIM_WRAPPERS', 'OPTIMIZERS', 'PARAM_SCHEDULERS',
    'BaseSelfSupervisor', 'DataSample', 'NonLinearNeck', 'CosineEMA', 'LARS', 'get_ori_model'
]
