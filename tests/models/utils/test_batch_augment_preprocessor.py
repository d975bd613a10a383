"""BatchAugmentPreprocessor: the batched views follow the per-image PIL pipeline's
statistics, normalise exactly outside training, and refuse what they cannot do."""
import numpy as np
import pytest
import torch
from mmpretrain.utils import register_all_modules

from mec_plugin.registry import MODELS, TRANSFORMS

register_all_modules(init_default_scope=False)

MEAN, STD = [72.94], [90.02]


def _fmnist_view(solarize_prob, scale=(0.2, 1.)):
    return [
        dict(type='RandomResizedCrop', scale=28, crop_ratio_range=scale, backend='pillow'),
        dict(type='Solarize', thr=128, prob=solarize_prob),
        dict(type='RandomFlip', prob=0.5),
    ]


def _image():
    # asymmetric and structured: a bright block right of centre on a left-to-right ramp,
    # so the mean over draws depends on the crop scale, the flips and the solarisation
    img = np.tile(np.linspace(0, 120, 28), (28, 1))
    img[6:16, 15:25] = 250
    return img.astype(np.uint8)


def _pil_views(view, img, n):
    steps = [TRANSFORMS.build(t) for t in view]
    out = []
    for _ in range(n):
        results = dict(img=img.copy())
        for step in steps:
            results = step(results)
        out.append(results['img'].astype(np.float64))
    return np.stack(out)


def _batched_views(view, img, n, seed=0):
    pre = MODELS.build(dict(type='BatchAugmentPreprocessor', views=[view], mean=[0.], std=[1.]))
    torch.manual_seed(seed)
    batch = torch.from_numpy(img)[None, None].expand(n, 1, 28, 28).contiguous()
    return pre(dict(inputs=batch), training=True)['inputs'][0][:, 0].double().numpy()


@pytest.mark.parametrize('solarize_prob', [0.0, 0.2])
def test_views_follow_the_pil_pipelines_statistics(solarize_prob):
    img, n = _image(), 3000
    pil = _pil_views(_fmnist_view(solarize_prob), img, n)
    ours = _batched_views(_fmnist_view(solarize_prob), img, n)
    # the mean image over draws: the standard error of a pixel's mean is <= 128 / sqrt(n) ~ 2.3;
    # PIL rounds crop boxes to whole pixels, the batched crop does not
    diff = np.abs(pil.mean(0) - ours.mean(0))
    assert diff.mean() < 2.5 and diff.max() < 12
    # spread across draws, and how often the block's pixels are solarised (>= 128 -> 255 - x)
    assert abs(pil.std(0).mean() - ours.std(0).mean()) < 2.5
    assert abs((pil > 200).mean() - (ours > 200).mean()) < 0.01
    # the crop scale: the fraction of a view the bright block fills, its mean and spread
    # over draws (measured: PIL 0.174 +- 0.082, batched 0.179 +- 0.079 without solarize)
    def block(views):
        frac = (views > 200).mean(axis=(1, 2))
        return frac.mean(), frac.std()

    (pil_mean, pil_std), (our_mean, our_std) = block(pil), block(ours)
    assert abs(pil_mean - our_mean) < 0.012 and abs(pil_std - our_std) < 0.01
    # ... which a wrong scale range changes (0.116 for (0.08, 1), 0.040 for (0.4, 1))
    for wrong in ((0.08, 1.), (0.4, 1.)):
        _, std = block(_batched_views(_fmnist_view(solarize_prob, scale=wrong), img, n))
        assert abs(std - pil_std) > 0.02, wrong


def test_views_are_normalised_channels_last_and_independent():
    views = [_fmnist_view(0.), _fmnist_view(0.2)]
    pre = MODELS.build(dict(type='BatchAugmentPreprocessor', views=views, mean=MEAN, std=STD,
                            channels_last=True))
    batch = torch.randint(0, 256, (6, 1, 28, 28), dtype=torch.uint8)
    out = pre(dict(inputs=batch, data_samples=['a'] * 6), training=True)
    v1, v2 = out['inputs']
    assert out['data_samples'] == ['a'] * 6
    assert v1.shape == v2.shape == (6, 1, 28, 28) and v1.dtype == torch.float32
    assert v1.is_contiguous(memory_format=torch.channels_last)
    assert not torch.equal(v1, v2)
    assert v1.min() >= -MEAN[0] / STD[0] - 1e-6 and v1.max() <= (255 - MEAN[0]) / STD[0] + 1e-6
    # outside training: one view, the batch normalised and nothing else
    (x, ) = pre(dict(inputs=batch), training=False)['inputs']
    assert torch.allclose(x, (batch.float() - MEAN[0]) / STD[0])


def test_colour_batches_use_the_cifar_view():
    view = [dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.)),
            dict(type='RandomApply', prob=0.8, transforms=[dict(
                type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)]),
            dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
            dict(type='RandomFlip', prob=0.5)]
    pre = MODELS.build(dict(type='BatchAugmentPreprocessor', views=[view, view],
                            mean=[125., 123., 114.], std=[52., 51., 51.]))
    out = pre(dict(inputs=torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)), True)
    assert [tuple(v.shape) for v in out['inputs']] == [(4, 3, 32, 32)] * 2


def test_errors_name_the_problem():
    view = _fmnist_view(0.)
    with pytest.raises(ValueError, match='GaussianBlur'):
        MODELS.build(dict(type='BatchAugmentPreprocessor', mean=MEAN, std=STD,
                          views=[view + [dict(type='GaussianBlur', magnitude_range=(0.1, 2.))]]))
    with pytest.raises(ValueError, match='mean has 3 channels but std has 1'):
        MODELS.build(dict(type='BatchAugmentPreprocessor', views=[view], mean=[0.] * 3, std=[1.]))
    with pytest.raises(ValueError, match='views is empty'):
        MODELS.build(dict(type='BatchAugmentPreprocessor', views=[], mean=MEAN, std=STD))
    pre = MODELS.build(dict(type='BatchAugmentPreprocessor', views=[view], mean=MEAN, std=STD))
    with pytest.raises(ValueError, match=r'\[N, 1, H, W\].*\(2, 3, 28, 28\).*InMemoryImages'):
        pre(dict(inputs=torch.zeros(2, 3, 28, 28, dtype=torch.uint8)), True)
