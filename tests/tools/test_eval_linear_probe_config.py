"""The linear-probe configs build and train with the backbone frozen.

Each config runs one iteration through MMEngine's Runner on tiny images, its
backbone loaded by prefix from a plugin-style Runner checkpoint: afterwards
the backbone (weights and BN statistics) still equals the checkpoint, the
classifier has moved.
"""
import copy
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mec_plugin  # noqa: F401
from mec_plugin.evaluation import build_backbone
from _eval_data import TINY_BACKBONE, make_image_folder

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BENCH = os.path.join(ROOT, 'configs', 'benchmarks', 'classification')
CONFIGS = {
    'mec_cifar': 'cifar10/resnet18-cifar_1xb4096-linear-lars-coslr-100e_cifar10.py',
    'moco_cifar': 'cifar10/resnet18-cifar_1xb256-linear-steplr-100e_cifar10.py',
}


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    root = tmp_path_factory.mktemp('probe')
    data = make_image_folder(str(root / 'data'), classes=4, per_class=2, size=16)
    torch.manual_seed(11)
    net = build_backbone(TINY_BACKBONE)
    state = {f'backbone.{k}': v.clone() for k, v in net.state_dict().items()}
    # a Runner checkpoint also holds the neck, the EMA teacher and mmengine objects
    state['neck.fc0.weight'] = torch.randn(4, 4)
    ckpt = str(root / 'epoch_1.pth')
    torch.save(dict(state_dict=state, meta=dict(epoch=1), message_hub=dict(x=1)), ckpt)
    return dict(root=root, data=data, ckpt=ckpt, ref={k[9:]: v for k, v in state.items()
                                                       if k.startswith('backbone.')})


def tiny_probe_cfg(name, pretrained):
    cfg = Config.fromfile(os.path.join(BENCH, CONFIGS[name]))
    bb = cfg.model.backbone
    bb.update(stem_channels=8, base_channels=8, norm_cfg=dict(type='BN'))
    bb.init_cfg.checkpoint = pretrained['ckpt']
    if isinstance(cfg.model.neck, list):
        cfg.model.neck[1].input_features = 64
    cfg.model.head.update(in_channels=64, num_classes=4, topk=(1, ))
    cfg.train_dataloader.dataset.data_root = pretrained['data']
    cfg.train_dataloader.dataset.pipeline[1].scale = 16  # RandomResizedCrop
    return one_tiny_epoch(cfg, str(pretrained['root'] / f'work_{name}'))


def one_tiny_epoch(cfg, work_dir):
    """One epoch of batch 8 on 4 classes, no validation, no checkpoint."""
    cfg.model.head.update(num_classes=4, topk=(1, ))
    cfg.train_dataloader.update(batch_size=8, num_workers=0, persistent_workers=False)
    cfg.data_preprocessor.num_classes = 4
    cfg.train_cfg.max_epochs = 1
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg',
                'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    cfg.work_dir = work_dir
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    return cfg


def train_with_fc_snapshot(cfg, hooks=()):
    """Run the Runner (with the extra ``hooks``); return it and the
    classifier's weights just before its step."""
    runner = Runner.from_cfg(cfg)
    seen = {}

    class Snapshot(Hook):
        # the Runner initialises the weights inside train(): look just before the step
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            seen['fc'] = copy.deepcopy(runner.model.head.fc.state_dict())

    runner.register_hook(Snapshot())
    for hook in hooks:
        runner.register_hook(hook)
    runner.train()
    return runner, seen['fc']


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_probe_trains_the_classifier_and_keeps_the_backbone(name, pretrained):
    runner, fc_before = train_with_fc_snapshot(tiny_probe_cfg(name, pretrained))
    model = runner.model
    assert runner.iter == 1
    for k, v in model.backbone.state_dict().items():  # weights and BN statistics
        assert torch.equal(v, pretrained['ref'][k]), k
    assert all(not p.requires_grad for p in model.backbone.parameters())
    assert not torch.equal(model.head.fc.weight, fc_before['weight'])
    # fc ~ N(0, 0.01) with zero bias at the start
    assert fc_before['weight'].std().item() == pytest.approx(0.01, rel=0.3)
    assert fc_before['bias'].abs().max().item() == 0.0
    if name == 'mec_cifar':
        bn = model.neck[1].bn
        assert not bn.affine and bn.eps == 1e-6 and bn.num_batches_tracked.item() == 1
        opt = runner.optim_wrapper.optimizer
        assert type(opt).__name__ == 'LARC'  # the official probe's apex LARC
        assert (opt.param_groups[0]['trust_coefficient'], opt.param_groups[0]['clip']) == (0.001,
                                                                                         False)
    else:
        assert runner.optim_wrapper.optimizer.param_groups[0]['lr'] == pytest.approx(30.)


@pytest.mark.parametrize('path,lr,batch', [
    ('imagenet/resnet50_8xb512-linear-lars-coslr-100e_in1k.py', 0.48, 512),
    ('imagenet/resnet50_8xb32-linear-steplr-100e_in1k.py', 30., 32),
])
def test_imagenet_probe_configs_follow_the_protocols(path, lr, batch):
    cfg = Config.fromfile(os.path.join(BENCH, path))
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(lr)
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.model.backbone.frozen_stages == 4
    assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
    assert cfg.train_cfg.max_epochs == 100
    if 'lars' in path:  # the MEC probe's classifier BN sees the whole 8 x 512 batch
        assert cfg.sync_bn == 'torch'
    from mmpretrain.registry import MODELS
    from mmpretrain.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None
    model_cfg.backbone.depth = 18  # the same pipeline, 5x cheaper to build on a CPU
    model_cfg.head.in_channels = 512
    if isinstance(model_cfg.neck, list):
        model_cfg.neck[1].input_features = 512
    model = MODELS.build(model_cfg)
    x = torch.randn(2, 3, 64, 64)
    assert model(x, mode='tensor').shape == (2, 1000)


def _randomise_bn_statistics(module, seed):
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)


def _train_frozen_probe_and_compare(cfg, pre_model, state, neck_of, tmp_path, dim, hooks=()):
    """One probe epoch from ``state`` (a pre-training checkpoint), the Runner
    given the extra ``hooks``: the frozen backbone and pre-training neck stay
    equal to the checkpoint (weights, BN statistics, eval mode), the classifier
    moves, and the probe's features are the ones the k-NN / feature tools read
    (``eval_representation``)."""
    from mec_plugin.evaluation import build_encoder
    ckpt = str(tmp_path / 'epoch_100.pth')
    torch.save(dict(state_dict=state, meta=dict(epoch=100)), ckpt)
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    neck_of(cfg.model).init_cfg.checkpoint = ckpt
    data = make_image_folder(str(tmp_path / 'data'), classes=4, per_class=2, size=32)
    cfg.train_dataloader.dataset = dict(type='CustomDataset', data_root=data, data_prefix='train',
                                        pipeline=[dict(type='LoadImageFromFile'),
                                                  dict(type='RandomResizedCrop', scale=32),
                                                  dict(type='PackInputs')])
    runner, fc_before = train_with_fc_snapshot(one_tiny_epoch(cfg, str(tmp_path / 'work')), hooks)
    model = runner.model
    assert runner.iter == 1
    neck = neck_of(model)
    for prefix, module in (('backbone.', model.backbone), ('neck.', neck)):
        for k, v in module.state_dict().items():  # weights and BN statistics
            assert torch.equal(v, state[prefix + k]), prefix + k
        assert all(not p.requires_grad for p in module.parameters())
    assert not neck.training  # frozen: BN / dropout in eval mode during the probe
    assert not torch.equal(model.head.fc.weight, fc_before['weight'])

    encoder = build_encoder(pre_model, ckpt, representation='backbone+neck')
    encoder.eval()
    model.eval()
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        probe_features = neck(model.backbone(x))[0]
        tool_features = encoder(x)[-1]
    assert probe_features.shape == (3, dim)
    torch.testing.assert_close(tool_features, probe_features, rtol=0, atol=0)
    return runner


def _toy_d8192_pretraining(seed):
    """A DISSL d8192 pre-training checkpoint at toy width (ResNet-18 64-d,
    expander to 256), BN statistics randomised: its model config and state."""
    from mec_plugin.registry import MODELS
    pre_cfg = Config.fromfile(os.path.join(ROOT, 'configs/dissl/dissl_r50-dim8192_8xb320-100e_in1k.py'))
    assert pre_cfg.eval_representation == 'backbone+neck'
    backbone_cfg = dict(pre_cfg.model.backbone, depth=18, stem_channels=8, base_channels=8,
                        norm_cfg=dict(type='BN'))
    neck_cfg = dict(pre_cfg.model.neck, in_channels=64, mid_channels=8, out_channels=256,
                    norm_cfg=dict(type='BN'))
    torch.manual_seed(seed)
    backbone, neck = build_backbone(backbone_cfg), MODELS.build(neck_cfg)
    _randomise_bn_statistics(backbone, seed + 1)
    _randomise_bn_statistics(neck, seed + 2)
    state = {**{f'backbone.{k}': v.clone() for k, v in backbone.state_dict().items()},
             **{f'neck.{k}': v.clone() for k, v in neck.state_dict().items()}}
    return dict(pre_cfg.model, backbone=backbone_cfg, neck=neck_cfg), state


def _toy_probe(path, rep_dim=256):
    """A probe config at the toy width: ResNet-18 at 8 base channels (64-d
    output) and, where there is one, the expander widened to ``rep_dim``."""
    cfg = Config.fromfile(os.path.join(BENCH, path))
    cfg.model.backbone.update(depth=18, stem_channels=8, base_channels=8, norm_cfg=dict(type='BN'))
    dim = 64
    if _has_expander(cfg):
        cfg.model.neck[0].update(in_channels=64, mid_channels=8, out_channels=rep_dim)
        dim = rep_dim
    cfg.model.neck[-1].input_features = dim
    cfg.model.head.in_channels = dim
    _amp_off(cfg)
    return cfg, dim


def _amp_off(cfg):
    """MMEngine 0.10.7's AmpOptimWrapper asserts a GPU / NPU / MLU / MUSA in
    its constructor: on the CPU the same optimiser runs in an OptimWrapper."""
    if cfg.optim_wrapper.type == 'AmpOptimWrapper':
        cfg.optim_wrapper.type = 'OptimWrapper'
        cfg.optim_wrapper.pop('loss_scale', None)


def _has_expander(cfg):
    return cfg.model.neck[0].type == 'mec_plugin.DimExpanderNeck'


@pytest.mark.slow  # trains a probe through the Runner
def test_the_d8192_probe_reads_the_expanded_representation_of_the_knn_tools(tmp_path):
    """DISSL d = 8192, the LARS probe: backbone + expander at toy width."""
    pre_model, state = _toy_d8192_pretraining(5)
    state['head.student.fc.weight'] = torch.randn(8, 256)  # the checkpoint's other parts
    cfg, _ = _toy_probe('imagenet/resnet50-dim8192_8xb512-linear-lars-coslr-100e_in1k.py')
    _train_frozen_probe_and_compare(cfg, pre_model, state, lambda m: m.neck[0], tmp_path, 256)


@pytest.mark.slow  # trains a probe through the Runner
def test_the_mobilenet_probe_reads_the_official_classifier_block(tmp_path):
    """MoCoSmall MobileNetV3-Small: backbone + the neck's classifier block
    (1024-d, dropout off), without the 128-d head; a MoCoSmall checkpoint."""
    from mmengine.logging import MessageHub
    from mmengine.model import revert_sync_batchnorm
    from mec_plugin.registry import MODELS
    pre_cfg = Config.fromfile(os.path.join(
        ROOT, 'configs/moco_small/mocosmall_mobilenetv3-small_8xb64-200e_in1k.py'))
    assert pre_cfg.eval_representation == 'backbone+neck'
    pre_model = dict(pre_cfg.model.to_dict(), queue_len=16)
    MessageHub.get_current_instance().update_info('max_iters', 10)
    torch.manual_seed(6)
    moco = revert_sync_batchnorm(MODELS.build(pre_model))
    _randomise_bn_statistics(moco.backbone, 3)
    state = {k: v.clone() for k, v in moco.state_dict().items()}
    cfg = Config.fromfile(os.path.join(
        BENCH, 'imagenet/mobilenetv3-small_8xb32-linear-steplr-100e_in1k.py'))
    assert any(k.startswith('neck.projector.') for k in state)  # which the probe leaves out
    _train_frozen_probe_and_compare(cfg, pre_model, state, lambda m: m.neck, tmp_path, 1024)


DISSL_PROBES = ['imagenet/resnet50_1xb1024-linear-nesterov-steplr-28e_in1k.py',
                'imagenet/resnet50-dim8192_1xb1024-linear-nesterov-steplr-28e_in1k.py']


@pytest.mark.parametrize('path', DISSL_PROBES)
def test_dissl_probe_configs_are_the_vissl_protocol(path):
    """VISSL eval_resnet_in1k_linear(_z8).yaml at 1 x 1024: frozen trunk (the
    d8192 one with the pooled expander), BN (affine, eps 1e-5, momentum 0.1) +
    Linear with PyTorch's init, AMP, SGD nesterov 0.9, lr 0.04, wd 5e-4 on the
    linear weight and bias, none on the BN, 28 epochs, x0.1 after 8 / 16 / 24,
    RandomResizedCrop + flip / Resize(256) + CenterCrop(224)."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import PARAM_SCHEDULERS
    from mmpretrain.registry import MODELS
    from mmpretrain.utils import register_all_modules
    raw = Config.fromfile(os.path.join(BENCH, path))
    assert (raw.optim_wrapper.type, raw.optim_wrapper.loss_scale) == ('AmpOptimWrapper', 'dynamic')
    opt = raw.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.nesterov, opt.weight_decay) == (
        'SGD', pytest.approx(0.04), 0.9, True, 5e-4)
    assert raw.optim_wrapper.paramwise_cfg == dict(norm_decay_mult=0.)
    assert raw.train_dataloader.batch_size == 1024 and raw.auto_scale_lr.base_batch_size == 1024
    (sched, ) = raw.param_scheduler
    assert (sched.type, sched.milestones, sched.gamma, sched.by_epoch) == ('MultiStepLR',
                                                                           [8, 16, 24], 0.1, True)
    assert raw.train_cfg.max_epochs == 28
    train, test = raw.train_dataloader.dataset.pipeline, raw.val_dataloader.dataset.pipeline
    assert [t.type for t in train] == ['LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip',
                                       'PackInputs']
    assert train[1].scale == 224 and (train[2].prob, train[2].direction) == (0.5, 'horizontal')
    assert [t.type for t in test] == ['LoadImageFromFile', 'ResizeEdge', 'CenterCrop', 'PackInputs']
    assert (test[1].scale, test[1].edge, test[2].crop_size) == (256, 'short', 224)
    pre = raw.data_preprocessor  # torchvision's ImageNet mean / std, RGB
    assert pre.to_rgb
    torch.testing.assert_close(torch.tensor(pre.mean) / 255, torch.tensor([0.485, 0.456, 0.406]))
    torch.testing.assert_close(torch.tensor(pre.std) / 255, torch.tensor([0.229, 0.224, 0.225]))
    bb = raw.model.backbone
    assert (bb.depth, bb.frozen_stages, bb.norm_eval, bb.init_cfg.prefix) == (50, 4, True,
                                                                              'backbone.')
    rep_dim = 8192 if 'dim8192' in path else 2048
    pool = raw.model.neck[0]
    if rep_dim == 8192:  # VISSL's z8 trunk: ResNet-50 + expander 2048 -> 512 -> 8192, pooled
        assert (pool.type, pool.in_channels, pool.mid_channels, pool.out_channels,
                pool.with_avg_pool, pool.frozen, pool.init_cfg.prefix) == (
                    'mec_plugin.DimExpanderNeck', 2048, 512, 8192, True, True, 'neck.')
    else:
        assert pool.type == 'GlobalAveragePooling'
    bn_neck = raw.model.neck[-1]
    assert (bn_neck.type, bn_neck.input_features, bn_neck.affine, bn_neck.eps) == (
        'ClsBatchNormNeck', rep_dim, True, 1e-5)
    assert raw.model.head.in_channels == rep_dim and raw.model.head.init_cfg is None

    register_all_modules(init_default_scope=True)
    cfg, dim = _toy_probe(path)  # ResNet-18 at 8 channels, AmpOptimWrapper -> OptimWrapper
    cfg.model.backbone.init_cfg = None
    if _has_expander(cfg):
        cfg.model.neck[0].init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    bn, fc = model.neck[-1].bn, model.head.fc
    assert bn.affine and bn.eps == 1e-5 and bn.momentum == 0.1 and bn.num_features == dim
    # PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), bias too; not N(0, 0.01)
    bound = dim ** -0.5
    assert fc.weight.abs().max().item() <= bound and fc.bias.abs().max().item() <= bound
    assert fc.weight.std().item() == pytest.approx(bound / 3 ** 0.5, rel=0.1)
    assert fc.bias.abs().max().item() > bound / 2
    frozen = [*model.backbone.parameters()]
    if _has_expander(cfg):
        frozen += [*model.neck[0].parameters()]
        assert not model.neck[0].training
    assert frozen and all(not p.requires_grad for p in frozen)
    if not torch.cuda.is_available():  # why the CPU tests swap the wrapper
        with pytest.raises(AssertionError, match='only available'):
            build_optim_wrapper(model, raw.optim_wrapper)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {}
    for group in wrapper.optimizer.param_groups:
        assert group['nesterov'] and group['momentum'] == 0.9
        assert group['lr'] == pytest.approx(0.04)
        for p in group['params']:
            decay[id(p)] = group['weight_decay']
    # MMEngine leaves the frozen parameters out: one group per trained parameter
    assert sorted(decay) == sorted(map(id, (bn.weight, bn.bias, fc.weight, fc.bias)))
    assert decay[id(bn.weight)] == decay[id(bn.bias)] == 0.
    assert decay[id(fc.weight)] == decay[id(fc.bias)] == 5e-4
    scheduler = PARAM_SCHEDULERS.build(dict(sched.to_dict(), optimizer=wrapper))
    lrs = []
    for _ in range(raw.train_cfg.max_epochs):
        lrs.append(wrapper.optimizer.param_groups[0]['lr'])
        scheduler.step()  # ParamSchedulerHook: after each epoch
    assert lrs == pytest.approx([0.04] * 8 + [0.004] * 8 + [4e-4] * 8 + [4e-5] * 4)


def _nesterov_first_step(w, g, lr, weight_decay, momentum=0.9):
    """torch.optim.SGD(nesterov=True)'s first step (momentum buffer = d)."""
    d = g.add(w, alpha=weight_decay)
    return w.add(d.add(d, alpha=momentum), alpha=-lr)


@pytest.mark.slow  # trains a probe through the Runner
def test_the_dissl_d8192_probe_trains_bn_and_linear_on_the_frozen_expander(tmp_path):
    """The VISSL-protocol d8192 probe through MMEngine's Runner: the frozen
    ResNet and expander equal the checkpoint and feed the k-NN tools' features;
    the BN head (affine) and the linear layer are what trains: the BN's running
    statistics take one momentum-0.1 step towards the batch's, and the one SGD
    step is nesterov at lr 0.04 with decay 5e-4 on the fc and none on the BN."""
    pre_model, state = _toy_d8192_pretraining(7)
    cfg, dim = _toy_probe(DISSL_PROBES[1])
    seen = {}

    class Record(Hook):
        """The trained parameters, the BN's input and the gradients of the one step."""

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            bn, fc = runner.model.neck[-1].bn, runner.model.head.fc
            params = dict(bn_weight=bn.weight, bn_bias=bn.bias, fc_weight=fc.weight,
                          fc_bias=fc.bias)
            seen['before'] = {k: p.detach().clone() for k, p in params.items()}
            seen['lr'] = [g['lr'] for g in runner.optim_wrapper.optimizer.param_groups]
            self.handles = [bn.register_forward_hook(lambda m, args, out: seen.update(
                bn_in=args[0].detach().clone(), bn_training=m.training))]
            self.handles += [p.register_hook(lambda g, k=k: seen.__setitem__(k, g.clone()))
                             for k, p in params.items()]

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            for handle in self.handles:
                handle.remove()

    runner = _train_frozen_probe_and_compare(cfg, pre_model, state, lambda m: m.neck[0],
                                             tmp_path, dim, hooks=[Record()])
    bn, fc = runner.model.neck[1].bn, runner.model.head.fc
    assert type(runner.optim_wrapper.optimizer).__name__ == 'SGD'
    assert bn.affine and seen['bn_training'] and bn.num_batches_tracked.item() == 1
    x = seen['bn_in']  # the pooled expander features of the batch, in train mode
    assert x.shape == (8, dim)
    torch.testing.assert_close(bn.running_mean, 0.1 * x.mean(0))
    torch.testing.assert_close(bn.running_var, 0.9 + 0.1 * x.var(0, unbiased=True))
    assert seen['lr'] == pytest.approx([0.04] * 4)
    lr = seen['lr'][0]
    after = dict(bn_weight=bn.weight, bn_bias=bn.bias, fc_weight=fc.weight, fc_bias=fc.bias)
    for key, decay in (('bn_weight', 0.), ('bn_bias', 0.), ('fc_weight', 5e-4),
                       ('fc_bias', 5e-4)):
        expected = _nesterov_first_step(seen['before'][key], seen[key], lr, decay)
        torch.testing.assert_close(after[key].detach(), expected, rtol=0, atol=2.5e-7, msg=key)
    # the other decay would be visible: BN weight 1 -> 0.076 x 5e-4 = 3.8e-5 apart
    wrong = _nesterov_first_step(seen['before']['bn_weight'], seen['bn_weight'], lr, 5e-4)
    assert (wrong - bn.weight.detach()).abs().min().item() > 3e-5
    wrong = _nesterov_first_step(seen['before']['fc_weight'], seen['fc_weight'], lr, 0.)
    assert (wrong - fc.weight.detach()).abs().max().item() > 1e-6


@pytest.mark.parametrize('size,stages,width', [('small', 12, 1024), ('large', 16, 1280)])
def test_the_mobilenet_probes_match_their_pretraining_networks(size, stages, width):
    """Both MobileNetV3 probes freeze the whole backbone and the pre-training
    neck's classifier block of the same arch and widths; the classifier reads
    that block's ``width`` features."""
    from mec_plugin.registry import MODELS
    pre = Config.fromfile(os.path.join(
        ROOT, f'configs/moco_small/mocosmall_mobilenetv3-{size}_8xb64-200e_in1k.py')).model
    cfg = Config.fromfile(os.path.join(
        BENCH, f'imagenet/mobilenetv3-{size}_8xb32-linear-steplr-100e_in1k.py')).model
    assert cfg.backbone.arch == pre.backbone.arch == size and cfg.backbone.frozen_stages == stages
    for key in ('in_channels', 'feat_channels', 'feat_dropout'):
        assert cfg.neck[key] == pre.neck[key], key
    assert cfg.neck.representation_only and cfg.neck.frozen and cfg.head.in_channels == width
    cfg.backbone.init_cfg = cfg.neck.init_cfg = None
    model = MODELS.build(cfg)
    model.train()  # mmpretrain's MobileNetV3 freezes its stages in train()
    assert all(not p.requires_grad for p in model.backbone.parameters())
    assert all(not p.requires_grad for p in model.neck.parameters())
    frozen_bn = [m for m in (*model.backbone.modules(), *model.neck.modules())
                 if isinstance(m, torch.nn.BatchNorm2d)]
    assert frozen_bn and not any(m.training for m in frozen_bn)  # BN statistics kept
    model.eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 64, 64), mode='tensor').shape == (2, 1000)
