"""Each method's trunk starts from its official initialisation.

CMC (models/resnet.py) and ISSL's CIFAR torchvision resnet18: Kaiming
fan-out normal convs, every BN gamma 1 -- no zero-initialised last BN of the
blocks (mmpretrain's ResNet default). VISSL's ResNeXt trunk (DISSL / CISSL on
ImageNet) rebuilds conv1 and every stage after torchvision's init loop, so
its convs keep PyTorch's default kaiming_uniform(a=sqrt(5)): U(-b, b) with
b = 1 / sqrt(fan_in).
"""
import math
import os

import pytest
import torch
from mmengine.config import Config

import mec_plugin  # noqa: F401
from mec_plugin.registry import MODELS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _backbone(config):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', config))
    torch.manual_seed(0)
    backbone = MODELS.build(cfg.model.backbone)
    backbone.init_weights()
    return backbone


def _bn_gammas(backbone):
    return [m.weight for m in backbone.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def _convs(backbone):
    return [m.weight.detach().double() for m in backbone.modules()
            if isinstance(m, torch.nn.Conv2d) and m.weight.numel() >= 4096]


def _fans(w):
    k = w[0, 0].numel()
    return w.shape[1] * k, w.shape[0] * k  # fan_in, fan_out


@pytest.mark.parametrize('config', [
    'cmc/cmc_resnet50v1_4xb32-240e_in1k.py',
    'cmc/cmc_resnet18-cifar-w0.5_1xb128-240e_cifar10.py',
    'dissl/dissl_resnet18_1xb256-200e_cifar10.py',
    'cissl/cissl_resnet18_1xb512-200e_cifar10.py',
])
def test_kaiming_fan_out_normal_and_every_gamma_one(config):
    backbone = _backbone(config)
    assert all(torch.equal(g, torch.ones_like(g)) for g in _bn_gammas(backbone))
    for w in _convs(backbone):
        std = math.sqrt(2 / _fans(w)[1])
        assert w.std().item() == pytest.approx(std, rel=0.1), tuple(w.shape)


@pytest.mark.parametrize('config', [
    'dissl/dissl_r50_8xb320-100e_in1k.py',
    'dissl/dissl_r50-dim8192_8xb320-100e_in1k.py',
    'cissl/cissl_r50_8xb320-100e_in1k.py',
])
def test_vissl_trunk_keeps_pytorch_default_init(config):
    backbone = _backbone(config)
    assert all(torch.equal(g, torch.ones_like(g)) for g in _bn_gammas(backbone))
    for w in _convs(backbone):
        bound = 1 / math.sqrt(_fans(w)[0])
        assert w.abs().max().item() <= bound
        assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05), tuple(w.shape)
