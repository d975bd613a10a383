"""Batched device augmentations: geometry, colour operations against float64
references (torchvision's functional ops and hand-written formulas), the
random draws, and the translation of the CIFAR MEC pipeline."""
import math
import os

import pytest
import torch
import torchvision.transforms.functional as TF
from mmengine.config import Config

from mec_plugin.datasets.gpu_augment import (GPUViewAugment, adjust_brightness, adjust_contrast,
                                             adjust_hue, adjust_saturation, color_jitter,
                                             crop_flip_resize, multiview_from_pipeline,
                                             rgb_to_grayscale, sample_crop_boxes, solarize)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _images(n=3, h=6, w=8, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, h, w, generator=g, dtype=dtype)


def test_crop_whole_image_and_halves_reproduce_pixels():
    x = _images()
    n, _, h, w = x.shape
    whole = torch.tensor([[0., 0., w, h]] * n)
    assert torch.allclose(crop_flip_resize(x, whole, (h, w)), x, atol=1e-12)
    flipped = crop_flip_resize(x, whole, (h, w), flip=torch.tensor([True, False, True]))
    assert torch.allclose(flipped[0], x[0].flip(-1), atol=1e-12)
    assert torch.allclose(flipped[1], x[1], atol=1e-12)
    # the right half and the bottom-left quarter at their own resolution
    right = torch.tensor([[w / 2, 0., w / 2, h]] * n)
    assert torch.allclose(crop_flip_resize(x, right, (h, w // 2)), x[..., w // 2:], atol=1e-12)
    quarter = torch.tensor([[0., h / 2, w / 2, h / 2]] * n)
    assert torch.allclose(crop_flip_resize(x, quarter, (h // 2, w // 2)),
                          x[..., h // 2:, :w // 2], atol=1e-12)


def test_crop_boxes_keep_scale_and_ratio_and_stay_inside():
    g = torch.Generator().manual_seed(1)
    h, w = 32, 40
    boxes = sample_crop_boxes(4000, h, w, scale=(0.2, 1.), ratio=(3 / 4, 4 / 3), generator=g)
    x0, y0, bw, bh = boxes.unbind(1)
    frac = bw * bh / (h * w)
    assert (x0 >= 0).all() and (y0 >= 0).all()
    assert (x0 + bw <= w + 1e-4).all() and (y0 + bh <= h + 1e-4).all()
    fallback = (bw == w) & (bh == h)  # the central crop when no try fits
    assert ((frac >= 0.2 - 1e-6) & (frac <= 1 + 1e-6)).all()
    r = (bw / bh)[~fallback]
    assert ((r >= 3 / 4 - 1e-5) & (r <= 4 / 3 + 1e-5)).all()
    # a square box on a square image always fits: the area fraction is then U(0.2, 1)
    sq = sample_crop_boxes(4000, 32, 32, scale=(0.2, 1.), ratio=(1., 1.), generator=g)
    sq_frac = sq[:, 2] * sq[:, 3] / 32**2
    assert abs(sq_frac.mean().item() - 0.6) < 0.02
    assert abs(sq_frac.var().item() - 0.8**2 / 12) < 0.005
    # positions spread over the free range
    assert x0.max() > 0.9 * (w - bw[x0.argmax()]) and x0.min() < 0.5


def test_crop_boxes_fallback_is_central_and_clamped():
    # a 1 x 10 strip: no box with ratio in [3/4, 4/3] and area >= 0.5 fits
    boxes = sample_crop_boxes(5, 1, 10, scale=(0.5, 1.), ratio=(3 / 4, 4 / 3))
    expected = torch.tensor([(10 - 4 / 3) / 2, 0., 4 / 3, 1.])
    assert torch.allclose(boxes, expected.expand(5, 4), atol=1e-5)


@pytest.mark.parametrize('bad', [dict(scale=(0., 1.)), dict(scale=(0.8, 0.2)),
                                 dict(ratio=(2., 1.))])
def test_crop_boxes_reject_bad_ranges(bad):
    with pytest.raises(ValueError, match='scale|ratio'):
        sample_crop_boxes(2, 8, 8, **bad)


def test_grayscale_matches_itu_formula_in_float64():
    x = _images()
    ref = 0.2989 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    assert torch.allclose(rgb_to_grayscale(x)[:, 0], ref, atol=1e-14)


@pytest.mark.parametrize('ours,theirs,factors', [
    (adjust_brightness, TF.adjust_brightness, (0.6, 1.0, 1.4)),
    (adjust_contrast, TF.adjust_contrast, (0.6, 1.0, 1.4)),
    (adjust_saturation, TF.adjust_saturation, (0.0, 0.8, 1.2)),
    (adjust_hue, TF.adjust_hue, (-0.1, 0.03, 0.5)),
])
def test_colour_ops_match_torchvision_in_float64(ours, theirs, factors):
    x = _images(n=3, seed=2)
    out = ours(x, torch.tensor(factors, dtype=torch.float64))
    for i, f in enumerate(factors):
        assert torch.allclose(out[i], theirs(x[i], f), atol=1e-10), (ours.__name__, f)


def test_hue_round_trip_and_solarize():
    x = _images(seed=3)
    assert torch.allclose(adjust_hue(x, torch.zeros(3, dtype=x.dtype)), x, atol=1e-12)
    # a full turn is the identity too
    assert torch.allclose(adjust_hue(adjust_hue(x, torch.full((3, ), 0.5, dtype=x.dtype)),
                                     torch.full((3, ), 0.5, dtype=x.dtype)), x, atol=1e-10)
    ref = torch.where(x >= 0.5, 1 - x, x)
    assert torch.equal(solarize(x, 0.5), ref)


def test_color_jitter_is_a_per_image_draw_in_range():
    x = _images(n=64, seed=4, dtype=torch.float32)
    g = torch.Generator().manual_seed(0)
    out = color_jitter(x, 0.4, 0.4, 0.2, 0.1, generator=g)
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    # brightness only: out / x is one factor per image within [0.6, 1.4]
    g = torch.Generator().manual_seed(0)
    x = x.clamp(0.05, 0.6)  # no clamping at 1.4x
    ratio = color_jitter(x, brightness=0.4, generator=g) / x
    per_image = ratio.flatten(1)
    assert torch.allclose(per_image, per_image[:, :1].expand_as(per_image), atol=1e-5)
    assert per_image[:, 0].min() >= 0.6 - 1e-6 and per_image[:, 0].max() <= 1.4 + 1e-6
    assert per_image[:, 0].std() > 0.1
    assert torch.equal(color_jitter(x), x)


def test_view_shapes_range_and_determinism_under_a_seed():
    aug = GPUViewAugment(16, jitter=dict(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1),
                         solarize_prob=0.5)
    imgs = torch.randint(0, 256, (8, 3, 20, 24), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(0))
    a = aug(imgs, torch.Generator().manual_seed(7))
    b = aug(imgs, torch.Generator().manual_seed(7))
    c = aug(imgs, torch.Generator().manual_seed(8))
    assert a.shape == (8, 3, 16, 16) and a.dtype == torch.float32
    assert a.min() >= 0 and a.max() <= 255
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_view_with_no_randomness_is_a_resize_of_the_whole_image():
    imgs = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    aug = GPUViewAugment(8, scale=(1., 1.), ratio=(1., 1.), jitter_prob=0., gray_prob=0.,
                         flip_prob=0.)
    assert torch.allclose(aug(imgs), imgs.float(), atol=1e-3)
    always_gray = GPUViewAugment(8, scale=(1., 1.), ratio=(1., 1.), jitter_prob=0., gray_prob=1.,
                                 flip_prob=1.)
    ref = rgb_to_grayscale(imgs.double() / 255).expand(2, 3, 8, 8).flip(-1) * 255
    assert torch.allclose(always_gray(imgs).double(), ref, atol=1e-3)


@pytest.mark.parametrize('kwargs,match', [(dict(gray_prob=1.5), 'gray_prob'),
                                          (dict(size=0), 'size'),
                                          (dict(scale=(0.2, 1.5)), 'scale'),
                                          (dict(jitter=dict(gamma=0.1)), 'gamma')])
def test_view_rejects_bad_values_by_name(kwargs, match):
    kwargs = dict(dict(size=8), **kwargs)
    with pytest.raises(ValueError, match=match):
        GPUViewAugment(**kwargs)


def test_cifar_config_pipeline_translates():
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/datasets/cifar10_mec.py'))
    v1, v2 = multiview_from_pipeline(cfg.train_pipeline)
    assert (v1.size, v1.scale, v1.jitter_prob, v1.gray_prob, v1.flip_prob) == (32, (0.2, 1.), 0.8,
                                                                               0.2, 0.5)
    assert v1.jitter == dict(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)
    assert (v1.solarize_prob, v2.solarize_prob, v2.solarize_threshold) == (0., 0.2, 128.)
    assert math.isclose(v1.ratio[1], 4 / 3)
    blur = [dict(type='RandomResizedCrop', scale=32), dict(type='GaussianBlur')]
    with pytest.raises(ValueError, match='GaussianBlur'):
        GPUViewAugment.from_pipeline(blur)


def test_grayscale_images_keep_one_channel_and_ignore_colour_only_ops():
    x = _images(n=3, seed=5)[:, :1]
    f = torch.tensor([0.0, 0.7, 1.3], dtype=x.dtype)
    assert torch.equal(rgb_to_grayscale(x), x)
    assert torch.equal(adjust_saturation(x, f), x)  # gray(x) = x
    assert torch.equal(adjust_hue(x, f - 0.5), x)   # no hue
    # brightness and contrast apply as on each channel of a colour image
    assert torch.allclose(adjust_brightness(x, f), (x * f.view(-1, 1, 1, 1)).clamp(0, 1))
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    assert torch.allclose(adjust_contrast(x, f),
                          (f.view(-1, 1, 1, 1) * x + (1 - f.view(-1, 1, 1, 1)) * mean).clamp(0, 1))
    aug = GPUViewAugment(6, jitter=dict(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1),
                         jitter_prob=1., gray_prob=1., solarize_prob=0.5)
    out = aug(torch.randint(0, 256, (5, 1, 8, 8), dtype=torch.uint8))
    assert out.shape == (5, 1, 6, 6) and 0 <= out.min() and out.max() <= 255
    with pytest.raises(ValueError, match=r'\[N, 1, H, W\].*\(5, 2, 8, 8\)'):
        aug(torch.zeros(5, 2, 8, 8, dtype=torch.uint8))
