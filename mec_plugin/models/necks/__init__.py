from .l2norm_neck import L2NormNeck
from .mec_projector import MECProjector

__all__ = ['MECProjector', 'L2NormNeck']
