"""MoCoSmall: queue, key encoder, shuffle-BN, gathered enqueue, warm start,
the neck's official heads, and the five backbone configs."""
import copy
import os
import tempfile
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper

import mec_plugin  # noqa: F401
from mec_plugin.engine.hooks import MoCoWarmStartHook, copy_query_to_key
from mec_plugin.models.losses import moco_infonce_loss
from mec_plugin.registry import MODELS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
DIM = 8


def tiny_moco(queue_len=16, momentum=0.001, norm='BN', mlp='wide', feat_dim=DIM, **kwargs):
    norm_cfg = dict(type='GN', num_groups=2) if norm == 'GN' else dict(type='BN')
    return dict(
        type='MoCoSmall', queue_len=queue_len, feat_dim=feat_dim, momentum=momentum,
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[127.5] * 3, std=[64.] * 3),
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=4, base_channels=4,
                      norm_cfg=norm_cfg),
        neck=dict(type='MoCoSmallNeck', in_channels=32, out_channels=DIM, mlp=mlp),
        head=dict(type='MoCoInfoNCEHead', temperature=0.1), **kwargs)


def build(cfg, init=False):
    model = MODELS.build(cfg)
    if init:  # what the Runner does; slow (it logs every parameter), so only where it matters
        model.init_weights()
    return model


def views(batch=4, size=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(batch, 3, size, size, generator=g) for _ in range(2)]


def query(model, x):
    return F.normalize(model.neck(model.backbone(x))[0], dim=1)


# --------------------------------------------------------------------------- queue and keys

def test_queue_is_a_normalised_random_buffer_saved_in_the_state_dict():
    model = build(tiny_moco(queue_len=16))
    assert model.queue.shape == (DIM, 16) and int(model.queue_ptr) == 0
    torch.testing.assert_close(model.queue.norm(dim=0), torch.ones(16))
    state = model.state_dict()
    assert {'queue', 'queue_ptr'} <= set(state)
    model.loss(views(), None)
    fresh = build(tiny_moco(queue_len=16))
    assert not torch.equal(fresh.queue, model.queue)
    fresh.load_state_dict(model.state_dict())
    assert torch.equal(fresh.queue, model.queue) and int(fresh.queue_ptr) == 4


def test_one_step_loss_keys_and_enqueue():
    torch.manual_seed(1)
    model = build(tiny_moco(queue_len=16))
    im_q, im_k = views(seed=1)
    old_queue = model.queue.clone()
    out = model.loss([im_q, im_k], None)
    # the first EMA update copies the query encoder into the key encoder
    for (name, pk), pq in zip(model.encoder_k.module.named_parameters(),
                              nn.Sequential(model.backbone, model.neck).parameters()):
        assert torch.equal(pk, pq), name
    with torch.no_grad():
        q = query(model, im_q)
        k = F.normalize(model.encoder_k(im_k)[0], dim=1)  # BN statistics: order-invariant
    torch.testing.assert_close(out['loss'], moco_infonce_loss(q, k, old_queue.t(), 0.1))
    torch.testing.assert_close(model.queue[:, :4].t(), k)
    assert torch.equal(model.queue[:, 4:], old_queue[:, 4:])
    assert int(model.queue_ptr) == 4
    assert set(out) == {'loss', 'contrast_acc'}


def test_gradients_reach_the_query_encoder_only():
    model = build(tiny_moco())
    model.loss(views(), None)['loss'].backward()
    assert all(p.grad is not None for p in model.backbone.parameters())
    assert all(p.grad is None for p in model.encoder_k.parameters())


def test_pointer_wraps_and_overwrites_the_oldest_block():
    model = build(tiny_moco(queue_len=8))
    ptrs = []
    for step in range(3):
        model.loss(views(seed=step), None)
        ptrs.append(int(model.queue_ptr))
        if step == 1:
            after_two = model.queue.clone()
    assert ptrs == [4, 0, 4]
    assert not torch.equal(model.queue[:, :4], after_two[:, :4])
    assert torch.equal(model.queue[:, 4:], after_two[:, 4:])


def test_key_encoder_is_an_ema_with_the_new_parameters_weighted_by_momentum():
    model = build(tiny_moco(momentum=0.25))
    model.loss(views(), None)  # copies
    key_before = [p.clone() for p in model.encoder_k.parameters()]
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.1)
    model.loss(views(seed=1), None)
    for before, pk, pq in zip(key_before, model.encoder_k.module.parameters(),
                              nn.Sequential(model.backbone, model.neck).parameters()):
        torch.testing.assert_close(pk, 0.75 * before + 0.25 * pq)


def test_queue_not_a_multiple_of_the_global_batch_is_a_clear_error():
    model = build(tiny_moco(queue_len=6))
    with pytest.raises(ValueError, match=r'queue_len=6 must be a multiple of the global batch 4'):
        model.loss(views(batch=4), None)


@pytest.mark.parametrize('kwargs,match', [
    (dict(queue_len=0), 'queue_len'),
    (dict(feat_dim=0), 'feat_dim'),
    (dict(momentum=0.), 'momentum'),
    (dict(momentum=1.), 'momentum'),
    (dict(frozen_modules=['backbone.nope']), 'backbone.nope'),
])
def test_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(tiny_moco(**kwargs))


def test_feat_dim_must_match_the_neck_and_two_views_are_required():
    model = build(tiny_moco(feat_dim=DIM + 1))
    with pytest.raises(ValueError, match='feat_dim'):
        model.loss(views(), None)
    with pytest.raises(ValueError, match='2 views'):
        build(tiny_moco()).loss(views()[:1], None)


def test_frozen_modules_get_no_gradient_and_do_not_move():
    model = build(tiny_moco(frozen_modules=['backbone.conv1']))
    assert not model.backbone.conv1.weight.requires_grad
    before = model.backbone.conv1.weight.clone()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                                         weight_decay=1e-4))
    model.train_step(dict(inputs=views(), data_samples=None), optim)
    assert torch.equal(model.backbone.conv1.weight, before)


# --------------------------------------------------------------------------- neck

@pytest.mark.parametrize('mlp,widths', [('wide', [(10, 20), (20, 3)]),
                                        ('simple', [(10, 10), (10, 3)]),
                                        ('deep', [(10, 10), (10, 10), (10, 3)]),
                                        ('dropout', [(10, 10), (10, 3)])])
def test_neck_heads_have_the_official_layout(mlp, widths):
    neck = MODELS.build(dict(type='MoCoSmallNeck', in_channels=10, out_channels=3, mlp=mlp))
    linears = [m for m in neck.projector if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == widths
    assert all(m.bias is not None for m in linears)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in neck.modules())
    assert any(isinstance(m, nn.Dropout) for m in neck.projector) == (mlp == 'dropout')
    assert len(neck.representation) == 0
    out = neck((torch.randn(2, 10, 3, 3), ))[0]
    assert out.shape == (2, 3)


def test_neck_mobilenet_representation_block_and_pre_dropout():
    neck = MODELS.build(dict(type='MoCoSmallNeck', in_channels=6, feat_channels=12))
    fc, act, drop = neck.representation
    assert (fc.in_features, fc.out_features, drop.p) == (6, 12, 0.2)
    assert isinstance(act, nn.Hardswish) and neck.rep_channels == 12
    assert neck.projector[0].in_features == 12 and neck.projector[0].out_features == 24
    neck.eval()
    x = torch.randn(3, 6, 2, 2)
    rep = neck.forward_representation((x, ))
    torch.testing.assert_close(rep, F.hardswish(fc(x.mean(dim=(2, 3)))))
    effnet = MODELS.build(dict(type='MoCoSmallNeck', in_channels=6, pre_dropout=0.2))
    assert isinstance(effnet.representation[0], nn.Dropout) and effnet.rep_channels == 6


@pytest.mark.parametrize('kwargs,match', [(dict(mlp='huge'), 'mlp'),
                                          (dict(feat_dropout=1.0), 'feat_dropout'),
                                          (dict(in_channels=0), 'in_channels'),
                                          (dict(feat_channels=4, pre_dropout=0.2), 'pre_dropout')])
def test_neck_bad_values(kwargs, match):
    cfg = dict(type='MoCoSmallNeck', in_channels=6)
    cfg.update(kwargs)
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)


# --------------------------------------------------------------------------- two processes

WORLD, LOCAL = 2, 2


def _dist_inputs():
    g = torch.Generator().manual_seed(3)
    return [torch.randn(WORLD * LOCAL, 3, 8, 8, generator=g) for _ in range(2)]


def _dist_model():
    torch.manual_seed(7)  # same weights and queue on every rank
    return build(tiny_moco(queue_len=8, norm='GN'))


def _dist_worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=WORLD)
    im_q, im_k = _dist_inputs()
    local = slice(rank * LOCAL, (rank + 1) * LOCAL)
    model = _dist_model()
    torch.manual_seed(100 + rank)  # shuffle permutations differ: rank 0's is broadcast
    out = model.loss([im_q[local], im_k[local]], None)
    torch.save(dict(loss=out['loss'].detach(), queue=model.queue.clone(),
                    ptr=int(model.queue_ptr)), os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.slow  # spawns two processes
def test_two_processes_enqueue_the_gathered_keys_of_the_whole_batch():
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(_dist_worker, args=(os.path.join(tmp, 'init'), tmp), nprocs=WORLD, join=True)
        results = [torch.load(os.path.join(tmp, f'{r}.pt')) for r in range(WORLD)]
    model = _dist_model()
    out = model.loss(_dist_inputs(), None)
    for r in results:
        assert r['ptr'] == WORLD * LOCAL == int(model.queue_ptr)
        torch.testing.assert_close(r['queue'], model.queue, rtol=1e-5, atol=1e-6)
    # each rank's loss is the mean over its queries; their mean is the full-batch loss
    torch.testing.assert_close(sum(r['loss'] for r in results) / WORLD, out['loss'].detach(),
                               rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- warm start

def _runner(model, iteration=0):
    import logging
    return SimpleNamespace(model=model, iter=iteration, epoch=0,
                           logger=logging.getLogger('moco-warm-start-test'))


def test_warm_start_drops_mismatched_keys_and_copies_query_into_key(tmp_path):
    source = build(tiny_moco(queue_len=16))
    for step in range(2):
        source.loss(views(seed=step), None)
    with torch.no_grad():
        for p in source.backbone.parameters():
            p.add_(0.05)  # query != key in the source
    path = str(tmp_path / 'source.pth')
    torch.save(dict(state_dict=source.state_dict(), meta=dict(epoch=7)), path)

    # a different queue length and embedding width: queue and the last
    # projector layer do not fit and are dropped
    cfg = tiny_moco(queue_len=32, feat_dim=DIM // 2)
    cfg['neck']['out_channels'] = DIM // 2
    target = build(cfg)
    own_queue = target.queue.clone()
    hook = MoCoWarmStartHook(checkpoint=path)
    hook.before_train(_runner(target))
    dropped = {k for k, _, _ in hook.report['mismatched']}
    assert {'queue', 'neck.projector.2.weight', 'neck.projector.2.bias',
            'encoder_k.module.1.projector.2.weight'} <= dropped
    assert torch.equal(target.queue, own_queue)
    for name, p in target.backbone.state_dict().items():
        assert torch.equal(p, source.backbone.state_dict()[name]), name
    torch.testing.assert_close(target.neck.projector[0].weight, source.neck.projector[0].weight)
    # key encoder = query encoder (not the source's key encoder)
    for pk, pq in zip(target.encoder_k.module.parameters(),
                      nn.Sequential(target.backbone, target.neck).parameters()):
        assert torch.equal(pk, pq)
    assert not torch.equal(target.encoder_k.module[0].conv1.weight,
                           source.encoder_k.module[0].conv1.weight)
    # it trains from there
    assert torch.isfinite(target.loss(views(), None)['loss'])


def test_warm_start_skips_a_resumed_run_and_honours_exclude(tmp_path):
    source = build(tiny_moco())
    path = str(tmp_path / 'source.pth')
    torch.save(dict(state_dict=source.state_dict()), path)
    target = build(tiny_moco())
    before = copy.deepcopy(target.state_dict())
    MoCoWarmStartHook(checkpoint=path).before_train(_runner(target, iteration=5))
    for k, v in target.state_dict().items():
        assert torch.equal(v, before[k]), k
    hook = MoCoWarmStartHook(checkpoint=path, exclude=['queue'])
    hook.before_train(_runner(target))
    assert torch.equal(target.queue, before['queue'])
    assert 'queue' in hook.report['excluded'] and not hook.report['missing'] == ['queue']
    assert torch.equal(target.backbone.conv1.weight, source.backbone.conv1.weight)


def test_warm_start_bad_values_and_wrong_file(tmp_path):
    with pytest.raises(ValueError, match='checkpoint'):
        MoCoWarmStartHook(checkpoint='')
    with pytest.raises(ValueError, match='exclude'):
        MoCoWarmStartHook(checkpoint='x.pth', exclude='queue')
    with pytest.raises(ValueError, match='revise_keys'):
        MoCoWarmStartHook(checkpoint='x.pth', revise_keys=['module.'])
    path = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'module.encoder_q.conv1.weight': torch.zeros(4, 3, 3, 3)}), path)
    with pytest.raises(ValueError, match='revise_keys'):
        MoCoWarmStartHook(checkpoint=path).warm_start(build(tiny_moco()))
    # renaming makes the official layout load
    source = build(tiny_moco())
    official = {f'module.encoder_q.{k}': v for k, v in source.backbone.state_dict().items()}
    torch.save(dict(state_dict=official), path)
    target = build(tiny_moco())
    MoCoWarmStartHook(checkpoint=path, revise_keys=[('module.encoder_q.', 'backbone.')]
                      ).warm_start(target)
    assert torch.equal(target.backbone.conv1.weight, source.backbone.conv1.weight)
    assert torch.equal(target.encoder_k.module[0].conv1.weight, source.backbone.conv1.weight)


def test_copy_query_to_key_counts_every_tensor():
    model = build(tiny_moco())
    n = copy_query_to_key(model)
    query = nn.Sequential(model.backbone, model.neck)
    assert n == len(list(query.parameters())) + len(list(query.buffers()))


# --------------------------------------------------------------------------- backbone configs

def _no_syncbn(cfg):
    if isinstance(cfg, dict):
        return {k: (dict(v, type='BN') if k == 'norm_cfg' and v.get('type') == 'SyncBN'
                    else _no_syncbn(v)) for k, v in cfg.items()}
    if isinstance(cfg, list):
        return [_no_syncbn(v) for v in cfg]
    return cfg


BACKBONES = {  # config, representation width D
    'resnet18': 512, 'mobilenetv3-small': 1024, 'mobilenetv3-large': 1280,
    'efficientnet-b0': 1280, 'deit-tiny': 192}


@pytest.mark.parametrize('arch', [  # ResNet-18 in the fast tier, the larger networks slow
    a if a == 'resnet18' else pytest.param(a, marks=pytest.mark.slow) for a in BACKBONES])
def test_backbone_config_builds_and_trains_one_iteration(arch):
    cfg = Config.fromfile(os.path.join(ROOT, f'configs/moco_small/mocosmall_{arch}_8xb64-200e_in1k.py'))
    model_cfg = _no_syncbn(cfg.model.to_dict())
    model_cfg['queue_len'] = 64  # the config's 65536 works too; smaller is faster
    size = 32
    if arch == 'deit-tiny':
        model_cfg['backbone']['img_size'] = size
    model = build(model_cfg)
    assert model.neck.rep_channels == BACKBONES[arch]
    assert model.neck.projector[0].out_features == 2 * BACKBONES[arch]
    assert model.neck.projector[-1].out_features == 128 and model.queue.shape == (128, 64)
    opt = cfg.optim_wrapper.optimizer
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=opt.lr, momentum=opt.momentum,
                                         weight_decay=opt.weight_decay))
    frozen = {n: p.clone() for n, p in model.named_parameters() if not p.requires_grad
              and not n.startswith('encoder_k')}
    assert bool(frozen) == (arch == 'deit-tiny')
    data = dict(inputs=[torch.randint(0, 256, (2, 3, size, size)).float() for _ in range(2)],
                data_samples=None)
    log = model.train_step(data, optim)
    assert torch.isfinite(log['loss']) and int(model.queue_ptr) == 2
    for n, p in model.named_parameters():
        if n in frozen:
            assert torch.equal(p, frozen[n]), n  # the frozen patch embedding
