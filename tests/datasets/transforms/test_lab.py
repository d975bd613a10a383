"""CMC's colour views: Lab / YCbCr against docs/methods/cmc.md "Test vectors" and independent float64 maths."""
import math

import numpy as np
import pytest
import torch

from mec_plugin.datasets.transforms import RGBToLab, RGBToYCbCr, rgb_to_lab, rgb_to_ycbcr

LAB_MEAN, LAB_STD = (50., 6.025, -6.6895), (50., 92.208, 101.1675)


def _lab_reference(r, g, b):
    """One pixel, plain Python: sRGB decode, XYZ (D65), CIE f(t), Lab."""
    def decode(v):
        v /= 255.
        return ((v + 0.055) / 1.055) ** 2.4 if v > 0.04045 else v / 12.92
    lr, lg, lb = decode(r), decode(g), decode(b)
    x = (0.412453 * lr + 0.357580 * lg + 0.180423 * lb) / 0.95047
    y = (0.212671 * lr + 0.715160 * lg + 0.072169 * lb) / 1.0
    z = (0.019334 * lr + 0.119193 * lg + 0.950227 * lb) / 1.08883

    def f(t):
        return t ** (1. / 3.) if t > 0.008856 else 7.787 * t + 16. / 116.
    return (116. * f(y) - 16., 500. * (f(x) - f(y)), 200. * (f(y) - f(z)))


def test_white_and_black_pixel_vectors():
    # docs/methods/cmc.md, "Test vectors": Lab (100, 0, 0) -> (1.0, -0.06534, 0.06612), (0, 0, 0) -> (-1.0, ...)
    norm = (np.array([[100., 0., 0.], [0., 0., 0.]]) - LAB_MEAN) / LAB_STD
    np.testing.assert_allclose(norm, [[1.0, -0.06534, 0.06612], [-1.0, -0.06534, 0.06612]],
                               atol=5e-6)
    img = np.array([[[255, 255, 255], [0, 0, 0]]], np.uint8)
    out = RGBToLab(channel_order='rgb').transform(dict(img=img))['img']
    assert out.dtype == np.float32 and out.shape == (1, 2, 3)
    # sRGB white is L = 100 and a, b within 0.005 of 0 (the sRGB matrix's
    # white is not exactly the D65 reference white), black is exactly 0
    np.testing.assert_allclose(out[0, 0], norm[0], atol=1e-4)
    np.testing.assert_allclose(out[0, 1], norm[1], atol=1e-6)


def test_lab_matches_independent_float64_on_random_pixels():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (64, 3)).astype(np.uint8)
    pixels[:4] = [[0, 0, 1], [10, 10, 10], [11, 11, 11], [255, 0, 128]]  # both f(t) branches
    ours = rgb_to_lab(pixels[None])[0]
    ref = np.array([_lab_reference(*map(int, p)) for p in pixels])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    # float input in [0, 1] takes the same path without the lookup table
    np.testing.assert_allclose(rgb_to_lab(pixels.astype(np.float64) / 255.), ref, atol=1e-9)


def test_lab_primaries_span_cmc_ranges():
    # the extremes behind CMC's statistics: a in [-86.183, 98.233], b in [-107.857, 94.478]
    lab = rgb_to_lab(np.array([[0, 255, 0], [255, 0, 255], [0, 0, 255], [255, 255, 0]], np.uint8))
    assert lab[0, 1] == pytest.approx(-86.183, abs=0.01)
    assert lab[1, 1] == pytest.approx(98.233, abs=0.01)
    assert lab[2, 2] == pytest.approx(-107.857, abs=0.01)
    assert lab[3, 2] == pytest.approx(94.478, abs=0.01)


def test_bgr_input_is_swapped():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (5, 4, 3)).astype(np.uint8)
    from_bgr = RGBToLab().transform(dict(img=rgb[..., ::-1].copy()))['img']  # mmcv's default
    expected = (rgb_to_lab(rgb) - np.array(LAB_MEAN)) / np.array(LAB_STD)
    np.testing.assert_allclose(from_bgr, expected, atol=1e-6)


def test_ycbcr_bt601_studio_swing():
    ycc = rgb_to_ycbcr(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]], np.uint8))
    np.testing.assert_allclose(ycc[0], [235., 128., 128.], atol=1e-9)
    np.testing.assert_allclose(ycc[1], [16., 128., 128.], atol=1e-9)
    # red: Y = 16 + 65.481, Cb = 128 - 37.797, Cr = 128 + 112
    np.testing.assert_allclose(ycc[2], [81.481, 90.203, 240.], atol=1e-9)
    out = RGBToYCbCr(channel_order='rgb').transform(dict(img=np.full((1, 1, 3), 255, np.uint8)))
    np.testing.assert_allclose(out['img'][0, 0], [(235 - 116.151) / 109.5, (128 - 121.080) / 111.855,
                                                  (128 - 132.342) / 111.964], atol=1e-6)


def test_bad_values_are_named():
    with pytest.raises(ValueError, match='channel_order'):
        RGBToLab(channel_order='hsv')
    with pytest.raises(ValueError, match='std'):
        RGBToLab(std=[1., 0., 1.])
    with pytest.raises(ValueError, match='3 colour image'):
        RGBToLab().transform(dict(img=np.zeros((4, 4), np.uint8)))


def test_pipeline_and_preprocessor_keep_lab_untouched(tmp_path):
    """LoadImageFromFile -> RGBToLab -> PackInputs -> SelfSupDataPreprocessor:
    the model gets the normalised Lab image, no second normalisation or swap."""
    from PIL import Image
    import mec_plugin  # noqa: F401
    from mmengine.dataset import Compose, default_collate
    from mmpretrain.registry import MODELS
    rgb = np.random.default_rng(2).integers(0, 256, (6, 5, 3)).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / 'a.png')
    pipe = Compose([dict(type='mmpretrain.LoadImageFromFile'), dict(type='mmpretrain.RGBToLab'),
                    dict(type='mmpretrain.PackInputs')])
    packed = pipe(dict(img_path=str(tmp_path / 'a.png'), sample_idx=7))
    assert packed['data_samples'].sample_idx == 7
    batch = MODELS.build(dict(type='mmpretrain.SelfSupDataPreprocessor'))(default_collate([packed]))
    x = batch['inputs']
    expected = (rgb_to_lab(rgb) - np.array(LAB_MEAN)) / np.array(LAB_STD)
    assert x.dtype == torch.float32 and x.shape == (1, 3, 6, 5)
    np.testing.assert_allclose(x[0].permute(1, 2, 0).numpy(), expected, atol=1e-5)
    l_view, ab_view = torch.split(x, [1, 2], dim=1)
    assert math.isclose(float(l_view.max()), float(expected[..., 0].max()), abs_tol=1e-5)
