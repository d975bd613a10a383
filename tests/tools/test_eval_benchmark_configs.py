"""Transfer and semi-supervised configs: the protocol values and a forward pass."""
import os

import pytest
import torch
from mmengine.config import Config

import mec_plugin  # noqa: F401
from mec_plugin.models.necks import L2NormNeck
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BENCH = os.path.join(ROOT, 'configs', 'benchmarks', 'classification')
register_all_modules(init_default_scope=True)


def load(path):
    return Config.fromfile(os.path.join(BENCH, path))


def test_l2norm_neck_gives_unit_rows():
    out, = L2NormNeck()((torch.randn(5, 7) * 10, ))
    assert torch.allclose(out.norm(dim=1), torch.ones(5), atol=1e-6)


@pytest.mark.parametrize('dataset,classes', [('cifar10', 10), ('cifar100', 100),
                                             ('caltech101', 101)])
def test_transfer_configs_follow_the_small_models_protocol(dataset, classes):
    lin = load(f'transfer/resnet50_linear-l2norm-steplr-100e_{dataset}.py')
    ft = load(f'transfer/resnet50_finetune-l2norm-steplr-100e_{dataset}.py')
    for cfg in (lin, ft):
        assert cfg.model.neck[1].type == 'L2NormNeck'
        assert cfg.model.head.num_classes == classes == cfg.data_preprocessor.num_classes
        assert cfg.param_scheduler[0].milestones == [60, 80]
        assert cfg.train_cfg.max_epochs == 100 and cfg.train_dataloader.batch_size == 256
        assert cfg.train_dataloader.dataset.data_root == f'data/{dataset}/'
    assert lin.optim_wrapper.optimizer.lr == 30. and lin.param_scheduler[0].gamma == 0.1
    assert lin.model.backbone.frozen_stages == 4
    assert ft.param_scheduler[0].gamma == 0.2 and ft.model.backbone.frozen_stages == -1
    assert ft.train_dataloader.dataset.pipeline[1].crop_ratio_range == (0.2, 1.)
    assert lin.train_dataloader.dataset.pipeline[1].crop_ratio_range == (0.6, 1.)


def test_transfer_model_normalises_features_before_the_classifier():
    cfg = load('transfer/resnet50_linear-l2norm-steplr-100e_cifar10.py')
    cfg.model.backbone.init_cfg = None
    cfg.model.backbone.depth = 18  # the same pipeline, 5x cheaper to build on a CPU
    cfg.model.head.in_channels = 512
    model = MODELS.build(cfg.model)
    model.eval()
    feats, = model.extract_feat(torch.randn(2, 3, 32, 32))
    assert feats.shape == (2, 512)
    assert torch.allclose(feats.norm(dim=1), torch.ones(2), atol=1e-5)
    assert model(torch.randn(2, 3, 32, 32), mode='tensor').shape == (2, 10)


@pytest.mark.parametrize('pct,mult', [(1, 100.), (10, 10.)])
def test_semi_supervised_configs_point_at_the_subset_file(pct, mult):
    cfg = load(f'imagenet/resnet50_8xb32-semi-{pct}pct-steplr-20e_in1k.py')
    assert cfg.train_dataloader.dataset.ann_file == f'meta/train_{pct}percent.txt'
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys.head.lr_mult == mult
    assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
    assert cfg.model.backbone.get('frozen_stages', -1) == -1  # everything trains
