from .mec import MEC

__all__ = ['MEC']
