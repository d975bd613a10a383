"""mec_plugin: Maximum Entropy Coding and its comparators for MMPretrain.

Importing the package registers every module into mmpretrain's registries
(``custom_imports = dict(imports=['mec_plugin'])``) and re-exports each
registered class, so ``'mec_plugin.MEC'`` also resolves from mmdet / mmseg.
"""
from .compat import check_mmcv_version, fix_mmcv_adjust_hue_for_numpy_2

# before mmpretrain asserts its own range: an error that says which mmcv to install
check_mmcv_version()

from .registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS  # noqa: E402,F401
from .datasets import *  # noqa: E402,F401,F403
from .engine import *  # noqa: E402,F401,F403
from .evaluation import *  # noqa: E402,F401,F403
from .models import *  # noqa: E402,F401,F403
from .utils import *  # noqa: E402,F401,F403
from .utils.safe_checkpoint import register_local_checkpoint_loader  # noqa: E402
from .version import __version__  # noqa: E402,F401

# the process-wide changes of this import, each listed in docs/hosts.md
register_local_checkpoint_loader()
fix_mmcv_adjust_hue_for_numpy_2()
