from mec_plugin.host import HOST
from .l2norm_neck import L2NormNeck
from .mec_projector import MECProjector
from .pool_bn_neck import PoolBNFlattenNeck

__all__ = ['MECProjector', 'L2NormNeck', 'PoolBNFlattenNeck']
# the comparators are built on mmpretrain: not imported on MMSelfSup 1.x (mec_plugin.host)
if HOST == 'mmpretrain':
    from .cmc_projector import CMCProjector
    from .dim_expander import DimExpanderNeck
    from .issl_mlp import ISSLMLP
    from .moco_small_neck import MoCoSmallNeck

    __all__ += ['ISSLMLP', 'DimExpanderNeck', 'MoCoSmallNeck', 'CMCProjector']
