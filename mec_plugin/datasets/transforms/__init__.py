from .colour import RGBToLab, RGBToYCbCr, rgb_to_lab, rgb_to_ycbcr

__all__ = ['RGBToLab', 'RGBToYCbCr', 'rgb_to_lab', 'rgb_to_ycbcr']
