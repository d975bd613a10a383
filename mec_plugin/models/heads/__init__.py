from mec_plugin.host import HOST
from .mec_head import MECHead

__all__ = ['MECHead']
# the comparators are built on mmpretrain: not imported on MMSelfSup 1.x (mec_plugin.host)
if HOST == 'mmpretrain':
    from .cissl_head import CISSLHead
    from .dissl_head import DISSLHead
    from .moco_infonce_head import MoCoInfoNCEHead

    __all__ += ['DISSLHead', 'CISSLHead', 'MoCoInfoNCEHead']
