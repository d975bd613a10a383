from mec_plugin.host import HOST
from .mec import MEC

__all__ = ['MEC']
# the comparators are built on mmpretrain: not imported on MMSelfSup 1.x (mec_plugin.host)
if HOST == 'mmpretrain':
    from .cissl import CISSL
    from .cmc import CMC
    from .dissl import DISSL
    from .moco_small import MoCoSmall

    __all__ += ['DISSL', 'CISSL', 'MoCoSmall', 'CMC']
