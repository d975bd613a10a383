"""mmdet benchmark configs from a converted MEC checkpoint: every backbone
key loads (mmengine's own load report), the weights are the checkpoint's, and
two training iterations give finite losses. CPU, small images."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from downstream_utils import ROOT, capture_load_reports, load_backbone, run, small_training
from tiny_datasets import make_coco, make_voc_detection

DET = osp.join(ROOT, 'configs/benchmarks/mmdetection')


def _small_resize(pipeline, scales):
    """Keep the benchmark pipeline, only shrink its multi-scale resize."""
    for step in pipeline:
        if step['type'] == 'RandomChoiceResize':
            step['scales'] = scales
    return pipeline


def _fewer_rois(cfg):
    """Sample 64 RoIs per image instead of 512 (and fewer proposals): the RoI
    heads dominate a CPU step; what is tested (loading, finite losses) does
    not depend on how many RoIs are sampled."""
    cfg.model.train_cfg.rpn_proposal.max_per_img = 128
    cfg.model.train_cfg.rcnn.sampler.num = 64


def _assert_loaded(initial, prefix_of, checkpoint):
    """Every checkpoint tensor is, bit for bit, the model's weight right after init."""
    for key, value in checkpoint.items():
        name = prefix_of(key) + key
        assert torch.equal(initial[name], value), f'{name} is not the checkpoint weight'


def _assert_finite(losses, names):
    assert len(losses) == 2
    for step in losses:
        for name in names:
            assert name in step, f'{name} not logged: {sorted(step)}'
        assert all(math.isfinite(v) for v in step.values()), step


@pytest.mark.slow  # builds (and steps) a detector from a converted checkpoint
def test_mask_rcnn_fpn_coco_loads_backbone_and_trains(converted_r50, tmp_path, monkeypatch):
    ckpt = converted_r50['teacher']
    cfg = Config.fromfile(osp.join(DET, 'coco/mask-rcnn_r50_fpn_ms-1x_coco.py'))
    # the benchmark protocol itself
    assert cfg.model.backbone.norm_cfg.type == 'SyncBN' and cfg.model.backbone.norm_eval is False
    assert cfg.model.backbone.frozen_stages == -1
    assert cfg.model.roi_head.mask_head.norm_cfg.type == 'SyncBN'
    assert 'mec_plugin' in cfg.custom_imports.imports

    cfg.model.backbone.init_cfg.checkpoint = ckpt
    ds = cfg.train_dataloader.dataset
    ds.data_root = make_coco(str(tmp_path / 'coco'))
    ds.pipeline = _small_resize(ds.pipeline, [(128, 96), (128, 112)])
    cfg.train_dataloader.batch_size = 1
    _fewer_rois(cfg)
    cfg = small_training(cfg, str(tmp_path / 'work'), name='maskrcnn_fpn')
    reports = capture_load_reports(monkeypatch)
    recorder = run(cfg)

    state = load_backbone(ckpt)
    [report] = [r for r in reports if type(r['module']).__name__ == 'ResNet']
    assert report['n_keys'] == len(state) == 318  # 53 convs + 53 BNs x 5 entries
    assert report['missing'] == [] and report['unexpected'] == [], report['text']
    _assert_loaded(recorder.initial, lambda k: 'backbone.', state)
    _assert_finite(recorder.losses, ['loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_mask'])


@pytest.mark.slow  # builds (and steps) a detector from a converted checkpoint
def test_faster_rcnn_c4_voc_loads_backbone_and_shared_head(converted_r50, tmp_path, monkeypatch):
    ckpt = converted_r50['student']
    cfg = Config.fromfile(osp.join(DET, 'voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py'))
    assert cfg.train_cfg.max_iters == 24000
    assert cfg.model.roi_head.shared_head.type == 'ResLayerExtraNorm'
    assert cfg.model.roi_head.shared_head.norm_cfg.type == 'SyncBN'

    cfg.model.backbone.init_cfg.checkpoint = ckpt
    cfg.model.roi_head.shared_head.init_cfg.checkpoint = ckpt
    root = make_voc_detection(str(tmp_path / 'VOCdevkit'))
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.data_root = root
        ds.pipeline = _small_resize(ds.pipeline, [(128, 96), (128, 112)])
    cfg.train_dataloader.batch_size = 1
    _fewer_rois(cfg)
    cfg = small_training(cfg, str(tmp_path / 'work'), name='faster_c4')
    reports = capture_load_reports(monkeypatch)
    recorder = run(cfg)

    state = load_backbone(ckpt)
    res5 = sorted(k for k in state if k.startswith('layer4.'))
    res5 = [k for k in res5 if not k.endswith('num_batches_tracked')]
    by_type = {type(r['module']).__name__: r for r in reports}
    # stages 1-3 in the backbone: all load, only res5 is left over ...
    backbone = by_type['ResNet']
    assert backbone['missing'] == [], backbone['text']
    assert sorted(backbone['unexpected']) == sorted(k for k in state if k.startswith('layer4.'))
    # ... and res5 loads into the shared head, whose only new weights are
    # ResLayerExtraNorm's extra BN
    head = by_type['ResLayerExtraNorm']
    assert sorted(head['missing']) == ['norm.bias', 'norm.running_mean', 'norm.running_var',
                                       'norm.weight'], head['text']
    assert not any(k.startswith('layer4.') for k in head['unexpected'])
    assert len(res5) > 0
    _assert_loaded(recorder.initial,
                   lambda k: 'roi_head.shared_head.' if k.startswith('layer4.') else 'backbone.',
                   state)
    _assert_finite(recorder.losses, ['loss_rpn_cls', 'loss_cls', 'loss_bbox'])


@pytest.mark.parametrize('config', ['coco/mask-rcnn_r50_fpn_ms-2x_coco.py',
                                    'coco/mask-rcnn_r50-c4_ms-1x_coco.py',
                                    'coco/mask-rcnn_r50-c4_ms-2x_coco.py'])
@pytest.mark.slow  # builds (and steps) a detector from a converted checkpoint
def test_other_coco_configs_build_with_every_key(config, converted_r50):
    """The remaining configs: the protocol settings, and a model whose
    backbone (+ res5 head) state_dict has exactly the checkpoint's keys."""
    import mec_plugin  # noqa: F401
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    from mmengine.model.utils import revert_sync_batchnorm

    cfg = Config.fromfile(osp.join(DET, config))
    assert cfg.model.backbone.norm_eval is False and cfg.model.backbone.frozen_stages == -1
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    if '2x' in config:
        assert cfg.train_cfg.max_epochs == 24
        assert cfg.param_scheduler[1].milestones == [16, 22]
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = revert_sync_batchnorm(MODELS.build(cfg.model))
    keys = {f'backbone.{k}' for k in model.backbone.state_dict()}
    if 'c4' in config:
        assert cfg.model.data_preprocessor.bgr_to_rgb is True
        keys |= {f'backbone.{k}' for k in model.roi_head.shared_head.state_dict()
                 if k.startswith('layer4.')}
    state = load_backbone(converted_r50['student'])
    assert keys == {f'backbone.{k}' for k in state}


@pytest.mark.slow  # builds (and steps) a detector from a converted checkpoint
def test_cifar_resnet18_mask_rcnn_loads_a_cifar_checkpoint(tmp_path, monkeypatch):
    """The foundation's CIFAR model (ResNet_CIFAR-18): refused for the 7x7
    configs, converted with --stem 3x3, loaded key for key by the CIFAR
    Mask R-CNN config (mmengine's report is empty, weights are the file's)."""
    import mec_plugin  # noqa: F401
    from mmdet.registry import MODELS
    from mmengine.logging import MMLogger
    from mmengine.model.utils import revert_sync_batchnorm
    from mmengine.registry import DefaultScope

    from downstream_utils import load_tool, sync_bn_to_bn, write_plugin_checkpoint

    model_cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/mec_r18_cifar.py')).model
    ckpt = str(tmp_path / 'epoch_1.pth')
    write_plugin_checkpoint(sync_bn_to_bn(model_cfg.to_dict()), ckpt, seed=3)
    tool = load_tool('tools/model_converters/extract_backbone_weights.py')
    converted = str(tmp_path / 'r18_cifar.pth')
    assert tool.main([ckpt, converted]) == 1  # a 3x3 stem is not for mmdet's ResNet
    assert tool.main([ckpt, converted, '--stem', '3x3', '--depth', '18']) == 0

    cfg = Config.fromfile(osp.join(DET, 'coco/mask-rcnn_r18-cifar_fpn_1x_coco.py'))
    assert cfg.model.backbone.type == 'mmpretrain.ResNet_CIFAR'
    assert cfg.model.neck.in_channels == [64, 128, 256, 512]
    cfg.model.backbone.init_cfg.checkpoint = converted
    MMLogger.get_instance('cifar_mask_rcnn_test')  # a current logger for the load report
    reports = capture_load_reports(monkeypatch)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.init_weights()
    state = load_backbone(converted)
    [report] = [r for r in reports if type(r['module']).__name__ == 'ResNet_CIFAR']
    assert report['n_keys'] == len(state) == 120  # 20 convs + 20 BNs x 5 entries
    assert report['missing'] == [] and report['unexpected'] == [], report['text']
    for key, value in state.items():
        assert torch.equal(model.backbone.state_dict()[key], value), key
    # the FPN sees the CIFAR strides 1-8: a 64x64 image gives a 64x64 first level
    with torch.no_grad():
        feats = model.neck(model.backbone(torch.zeros(1, 3, 64, 64)))
    assert [f.shape[-1] for f in feats] == [64, 32, 16, 8, 4]
