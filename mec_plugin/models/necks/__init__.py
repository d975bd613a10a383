from .mec_projector import MECProjector

__all__ = ['MECProjector']
