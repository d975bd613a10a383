from mec_plugin.host import HOST
from . import algorithms, heads, losses, necks, utils
from .algorithms import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403

# Explicit, so that `from .models import *` in the package root exports the
# classes and functions but not the submodule names (`utils` would otherwise
# replace `mec_plugin.utils`).
__all__ = (algorithms.__all__ + heads.__all__ + losses.__all__ + necks.__all__ + utils.__all__)
# CMC's backbones: a comparator's, not imported on MMSelfSup 1.x (mec_plugin.host)
if HOST == 'mmpretrain':
    from . import backbones
    from .backbones import *  # noqa: F401,F403
    __all__ += backbones.__all__
