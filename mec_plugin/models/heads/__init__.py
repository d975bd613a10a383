from .mec_head import MECHead

__all__ = ['MECHead']
