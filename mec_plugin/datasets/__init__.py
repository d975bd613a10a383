from .spread_subset import SpreadSubset

__all__ = ['SpreadSubset']
