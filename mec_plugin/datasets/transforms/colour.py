"""Colour-space views for CMC: RGB -> Lab and RGB -> YCbCr, normalised.

CMC (official ``dataset.py``) converts the cropped uint8 RGB image with
``skimage.color.rgb2lab`` / ``rgb2ycbcr`` and normalises the raw values with
fixed statistics; ``torch.split(x, [1, 2], dim=1)`` then gives the views
(L | ab, or Y | CbCr). skimage is not a dependency here: the conversions
are written out below with skimage's constants (sRGB companding, the
linear-sRGB -> XYZ matrix, the CIE D65 / 2-degree white, the 0.008856 /
7.787 linear segment of f(t); ITU-R BT.601 studio-swing YCbCr).
"""
from typing import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mec_plugin.registry import TRANSFORMS

#: CMC's Lab statistics: mid-point and half-range of L, a, b.
LAB_MEAN = (50.0, 6.025, -6.6895)
LAB_STD = (50.0, 92.208, 101.1675)
#: CMC's YCbCr statistics (``--view YCbCr``).
YCBCR_MEAN = (116.151, 121.080, 132.342)
YCBCR_STD = (109.500, 111.855, 111.964)

#: linear sRGB -> XYZ (skimage ``xyz_from_rgb``).
XYZ_FROM_RGB = np.array([[0.412453, 0.357580, 0.180423],
                         [0.212671, 0.715160, 0.072169],
                         [0.019334, 0.119193, 0.950227]])
#: CIE D65 white point, 2-degree observer (skimage's default illuminant).
D65_WHITE = np.array([0.95047, 1.0, 1.08883])
#: RGB in [0, 1] -> Y'CbCr offsets (skimage ``ycbcr_from_rgb``, BT.601 studio swing).
YCBCR_FROM_RGB = np.array([[65.481, 128.553, 24.966],
                           [-37.797, -74.203, 112.0],
                           [112.0, -93.786, -18.214]])
YCBCR_OFFSET = np.array([16.0, 128.0, 128.0])


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """Inverse sRGB companding of values in [0, 1]."""
    return np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)


# uint8 input has 256 possible values per channel: look them up.
_LINEAR_LUT = _srgb_to_linear(np.arange(256, dtype=np.float64) / 255.0)


def _as_unit_rgb(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim < 1 or rgb.shape[-1] != 3:
        raise ValueError(f'expected an image with 3 colour channels last, got shape {rgb.shape}')
    if rgb.dtype == np.uint8:
        return rgb.astype(np.float64) / 255.0
    return np.asarray(rgb, dtype=np.float64)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65, 2-degree) of an sRGB image, as ``skimage.color.rgb2lab``.

    ``X, Y, Z = M * linear(rgb) / white``; ``f(t) = t^(1/3)`` for
    t > 0.008856, else ``7.787 t + 16/116``;
    ``L = 116 f(Y) - 16``, ``a = 500 (f(X) - f(Y))``, ``b = 200 (f(Y) - f(Z))``.

    Args:
        rgb (np.ndarray): ``[..., 3]`` RGB, uint8 (0-255) or float in [0, 1].

    Returns:
        np.ndarray: float64 ``[..., 3]`` (L in [0, 100]).
    """
    if rgb.dtype == np.uint8:
        if rgb.ndim < 1 or rgb.shape[-1] != 3:
            raise ValueError(f'expected an image with 3 colour channels last, got shape {rgb.shape}')
        linear = _LINEAR_LUT[rgb]
    else:
        linear = _srgb_to_linear(_as_unit_rgb(rgb))
    xyz = (linear @ XYZ_FROM_RGB.T) / D65_WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """BT.601 studio-swing Y'CbCr, as ``skimage.color.rgb2ycbcr``
    (Y in [16, 235], Cb / Cr in [16, 240]): ``YCBCR_FROM_RGB @ rgb + (16, 128, 128)``
    with rgb in [0, 1].

    Args:
        rgb (np.ndarray): ``[..., 3]`` RGB, uint8 or float in [0, 1].
    """
    return _as_unit_rgb(rgb) @ YCBCR_FROM_RGB.T + YCBCR_OFFSET


class _ColourView(BaseTransform):
    """Convert ``results['img']`` and normalise it channel-wise."""

    convert = None
    default_mean: Sequence[float] = ()
    default_std: Sequence[float] = ()

    def __init__(self, channel_order: str = 'bgr', mean: Sequence[float] = None,
                 std: Sequence[float] = None) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got '{channel_order}'")
        self.channel_order = channel_order
        self.mean = np.asarray(self.default_mean if mean is None else mean, dtype=np.float64)
        self.std = np.asarray(self.default_std if std is None else std, dtype=np.float64)
        if self.mean.shape != (3, ) or self.std.shape != (3, ) or np.any(self.std <= 0):
            raise ValueError(f'mean and std must be 3 values (std > 0), got {mean} and {std}')

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim != 3 or img.shape[-1] != 3:
            raise ValueError(f'{type(self).__name__} needs an H x W x 3 colour image, got shape '
                             f'{img.shape} (load images with color_type="color")')
        if self.channel_order == 'bgr':  # mmcv decodes to BGR
            img = img[..., ::-1]
        out = (type(self).convert(img) - self.mean) / self.std
        results['img'] = np.ascontiguousarray(out, dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(channel_order={self.channel_order!r}, '
                f'mean={self.mean.tolist()}, std={self.std.tolist()})')


@TRANSFORMS.register_module()
class RGBToLab(_ColourView):
    """CMC's Lab view: ``(rgb2lab(img) - mean) / std`` as float32 H x W x 3.

    Channel 0 is L, channels 1-2 are ab; after ``PackInputs`` the views are
    ``torch.split(x, [1, 2], dim=1)``. The model's data preprocessor must
    then neither normalise nor swap channels
    (``dict(type='SelfSupDataPreprocessor')`` with no mean / std / to_rgb).
    Put it after the geometric augmentations (crops and flips need uint8).

    Args:
        channel_order (str): order of the input image, 'bgr' (mmcv's
            ``LoadImageFromFile``, the default) or 'rgb'.
        mean (Sequence[float]): defaults to CMC's (50, 6.025, -6.6895).
        std (Sequence[float]): defaults to CMC's (50, 92.208, 101.1675).
    """

    convert = staticmethod(rgb_to_lab)
    default_mean = LAB_MEAN
    default_std = LAB_STD


@TRANSFORMS.register_module()
class RGBToYCbCr(_ColourView):
    """CMC's YCbCr view (``--view YCbCr``): ``(rgb2ycbcr(img) - mean) / std``.

    Channel 0 is Y, channels 1-2 are CbCr (split [1, 2] like Lab).

    Args:
        channel_order (str): 'bgr' (default) or 'rgb'.
        mean (Sequence[float]): defaults to CMC's (116.151, 121.080, 132.342).
        std (Sequence[float]): defaults to CMC's (109.500, 111.855, 111.964).
    """

    convert = staticmethod(rgb_to_ycbcr)
    default_mean = YCBCR_MEAN
    default_std = YCBCR_STD
