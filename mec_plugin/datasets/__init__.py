from .in_memory import InMemoryImages
from .loading import ImageLoadError, LoadImageFromFileChecked
from .spread_subset import SpreadSubset
from .transforms import RGBToLab, RGBToYCbCr, rgb_to_lab, rgb_to_ycbcr

__all__ = ['SpreadSubset', 'InMemoryImages', 'LoadImageFromFileChecked', 'ImageLoadError', 'RGBToLab', 'RGBToYCbCr', 'rgb_to_lab',
           'rgb_to_ycbcr']
