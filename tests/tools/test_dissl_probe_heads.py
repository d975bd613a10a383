"""DISSL's VISSL probe trains three heads side by side; the res5-pooled and the
plain-linear ones are configs of their own beside the BN head's."""
import os

import pytest
import torch
from mmengine.config import Config

import mec_plugin  # noqa: F401
from mec_plugin.registry import MODELS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BENCH = os.path.join(ROOT, 'configs/benchmarks/classification/imagenet')
BN_HEAD = 'resnet50_1xb1024-linear-nesterov-steplr-28e_in1k.py'


def _load(name):
    return Config.fromfile(os.path.join(BENCH, name))


def test_only_the_neck_and_head_width_differ_from_the_bn_head():
    base = _load(BN_HEAD).to_dict()
    for name, neck, width in (
            ('resnet50-res5pool_1xb1024-linear-nesterov-steplr-28e_in1k.py',
             dict(type='PoolBNFlattenNeck', in_channels=2048, kernel_size=6, stride=1), 8192),
            ('resnet50-plain_1xb1024-linear-nesterov-steplr-28e_in1k.py',
             dict(type='GlobalAveragePooling'), 2048)):
        cfg = _load(name).to_dict()
        assert cfg['model']['neck'] == neck
        assert cfg['model']['head']['in_channels'] == width
        for key in set(base) | set(cfg):
            if key != 'model':
                assert cfg.get(key) == base.get(key), (name, key)
        rest = lambda m: {k: v for k, v in m.items() if k not in ('neck', 'head')}  # noqa: E731
        assert rest(cfg['model']) == rest(base['model'])
        head = dict(cfg['model']['head'])
        assert {k: v for k, v in head.items() if k != 'in_channels'} == {
            k: v for k, v in base['model']['head'].items() if k != 'in_channels'}


def test_res5_neck_is_pool6_then_batch_norm_then_flatten_in_float64():
    neck = MODELS.build(dict(type='PoolBNFlattenNeck', in_channels=3)).double().train()
    with torch.no_grad():
        neck.bn.weight.copy_(torch.tensor([1.5, 0.5, 2.0]))
        neck.bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    x = torch.randn(4, 3, 7, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    (out, ) = neck((x, ))
    # by hand: 6 x 6 means at the four offsets, per-channel batch statistics (biased variance)
    pooled = torch.stack([torch.stack([x[:, :, i:i + 6, j:j + 6].mean(dim=(2, 3)) for j in (0, 1)],
                                      -1) for i in (0, 1)], -2)
    mean = pooled.mean(dim=(0, 2, 3), keepdim=True)
    var = pooled.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    ref = (pooled - mean) / torch.sqrt(var + 1e-5) * neck.bn.weight.view(1, -1, 1, 1) \
        + neck.bn.bias.view(1, -1, 1, 1)
    assert out.shape == (4, 3 * 2 * 2)
    torch.testing.assert_close(out, ref.flatten(1), rtol=1e-10, atol=1e-12)
    # a 224-px ResNet-50 res5 map (7 x 7 x 2048) gives VISSL's 8192 features
    full = MODELS.build(dict(type='PoolBNFlattenNeck', in_channels=2048))
    assert full((torch.randn(2, 2048, 7, 7), ))[0].shape == (2, 8192)
    with pytest.raises(ValueError, match=r'\[N, C, H, W\] map, got \(4, 3\)'):
        neck((torch.randn(4, 3, dtype=torch.float64), ))
