"""CMC: the memory bank (docs/methods/cmc.md), the algorithm, resume, the
configs and the k-NN tool on a CMC checkpoint."""
import copy
import math
import os
import tempfile

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmpretrain.structures import DataSample

import mec_plugin  # noqa: F401
from mec_plugin.datasets.transforms import rgb_to_lab
from mec_plugin.models.losses import cross_view_batch_scores, nce_loss
from mec_plugin.models.utils import NCEMemoryBank
from mec_plugin.registry import MODELS
from _scripts import load_tool

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
QUICK = 'configs/cmc/cmc_resnet18-w8_1xb128-4e_cifar10.py'
T = 0.07


def _unit(b, d, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(b, d, generator=g, dtype=dtype), dim=1)


def _bank(n=10, d=4, k=3, seed=0, **kw):
    torch.manual_seed(seed)
    return NCEMemoryBank(n, d, k, T, 0.5, **kw).double()


# ----------------------------------------------------------------- memory bank
def test_init_is_uniform_with_unit_expected_norm():
    bank = NCEMemoryBank(4000, 128, 16)
    s = 1 / math.sqrt(128 / 3)
    for mem in (bank.memory_l, bank.memory_ab):
        assert mem.shape == (4000, 128)
        assert float(mem.abs().max()) <= s
        assert float(mem.pow(2).sum(1).mean()) == pytest.approx(1., abs=0.02)
    assert not torch.equal(bank.memory_l, bank.memory_ab)


def test_noise_indices():
    bank = NCEMemoryBank(50, 8, 200)
    index = torch.tensor([3, 49, 0])
    idx = bank.sample_noise(index)
    assert idx.shape == (3, 201)
    assert torch.equal(idx[:, 0], index)
    assert int(idx.min()) >= 0 and int(idx.max()) < 50
    assert len(idx[:, 1:].unique()) > 40  # uniform over all rows (with replacement)


def test_first_batch_z_vector_through_the_bank():
    # zero memory: every score 0, Z = N, x = 1/N: the K = 4, N = 100 vector
    bank = NCEMemoryBank(100, 8, 4, T).double()
    bank.memory_l.zero_()
    bank.memory_ab.zero_()
    out_l, out_ab = bank(_unit(3, 8, 0), _unit(3, 8, 1), torch.tensor([0, 1, 2]))
    assert float(bank.z_l) == pytest.approx(100.) and float(bank.z_ab) == pytest.approx(100.)
    torch.testing.assert_close(out_l, torch.full_like(out_l, 0.01))
    assert float(nce_loss(out_l, 100)) == pytest.approx(2.5020221177, abs=1e-9)


def test_scores_use_the_pre_update_memory_and_update_rows():
    bank = _bank()
    old_l, old_ab = bank.memory_l.clone(), bank.memory_ab.clone()
    f_l, f_ab, index = _unit(2, 4, 1), _unit(2, 4, 2), torch.tensor([2, 5])
    idx = torch.tensor([[2, 7, 7, 0], [5, 2, 9, 1]])
    out_l, out_ab = bank(f_l, f_ab, index, idx=idx)
    bank.update(f_l, f_ab, index)
    # independent: per element, cross view, old memory
    e_l = torch.tensor([[math.exp(float(old_ab[idx[b, j]] @ f_l[b]) / T) for j in range(4)]
                        for b in range(2)], dtype=torch.float64)
    e_ab = torch.tensor([[math.exp(float(old_l[idx[b, j]] @ f_ab[b]) / T) for j in range(4)]
                         for b in range(2)], dtype=torch.float64)
    torch.testing.assert_close(out_l, e_l / (e_l.mean() * 10))
    torch.testing.assert_close(out_ab, e_ab / (e_ab.mean() * 10))
    for new, old, f in ((bank.memory_l, old_l, f_l), (bank.memory_ab, old_ab, f_ab)):
        for r, row in enumerate((2, 5)):
            mix = 0.5 * old[row] + 0.5 * f[r]
            torch.testing.assert_close(new[row], mix / mix.norm())
        untouched = [i for i in range(10) if i not in (2, 5)]
        torch.testing.assert_close(new[untouched], old[untouched])


def test_z_fixed_after_first_batch_and_ema_option():
    fixed, ema = _bank(), _bank(z_momentum=0.99)
    index = torch.tensor([1, 3])
    idx = torch.tensor([[1, 2, 3, 4], [3, 0, 0, 9]])
    for bank in (fixed, ema):
        bank(_unit(2, 4, 1), _unit(2, 4, 2), index, idx=idx)
    z1 = float(fixed.z_l)
    assert float(ema.z_l) == z1
    e2 = torch.exp(fixed.scores(_unit(2, 4, 3), _unit(2, 4, 4), idx)[0] / T)
    for bank in (fixed, ema):
        bank(_unit(2, 4, 3), _unit(2, 4, 4), index, idx=idx)
    assert float(fixed.z_l) == z1
    assert float(ema.z_l) == pytest.approx(0.99 * z1 + 0.01 * float(e2.mean() * 10), rel=1e-12)
    ema.eval()
    ema(_unit(2, 4, 5), _unit(2, 4, 6), index, idx=idx)  # evaluation leaves Z alone
    assert float(ema.z_l) == pytest.approx(0.99 * z1 + 0.01 * float(e2.mean() * 10), rel=1e-12)


def test_softmax_mode_returns_logits():
    bank = _bank(softmax=True)
    f_l, f_ab, idx = _unit(2, 4, 1), _unit(2, 4, 2), torch.tensor([[1, 2, 3, 4], [3, 0, 0, 9]])
    out_l, _ = bank(f_l, f_ab, torch.tensor([1, 3]), idx=idx)
    torch.testing.assert_close(out_l, bank.scores(f_l, f_ab, idx)[0] / T)
    assert not bool(bank.z_ready)


def test_state_dict_round_trip_into_an_unsized_bank():
    bank = _bank()
    bank(_unit(2, 4, 1), _unit(2, 4, 2), torch.tensor([1, 3]))
    fresh = NCEMemoryBank(0, 4, 3, T).double()
    fresh.load_state_dict(bank.state_dict())
    for name in ('memory_l', 'memory_ab', 'z_l', 'z_ab', 'z_ready'):
        assert torch.equal(getattr(fresh, name), getattr(bank, name)), name
    assert fresh.n_data == 10


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_noise=0), 'num_noise'), (dict(num_noise=-3), 'num_noise'),
    (dict(n_data=-1), 'n_data'), (dict(temperature=0.), 'temperature'),
    (dict(momentum=1.5), 'momentum'), (dict(z_momentum=1.), 'z_momentum'),
    (dict(feat_dim=0), 'feat_dim'),
])
def test_bad_bank_values_are_named(kwargs, match):
    args = dict(n_data=10, feat_dim=4, num_noise=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        NCEMemoryBank(**args)


def test_index_out_of_range_and_unallocated_bank():
    bank = _bank()
    with pytest.raises(ValueError, match='n_data = 10'):
        bank(_unit(1, 4, 0), _unit(1, 4, 1), torch.tensor([10]))
    with pytest.raises(RuntimeError, match='n_data'):
        NCEMemoryBank(0, 4, 3)(_unit(1, 4, 0).float(), _unit(1, 4, 1).float(), torch.tensor([0]))


# --------------------------------------------------- two gloo processes vs one
WORLD, LOCAL = 2, 3


def _dist_inputs():
    b = WORLD * LOCAL
    idx = torch.randint(0, 12, (b, 5), generator=torch.Generator().manual_seed(3))
    index = torch.tensor([4, 0, 11, 7, 2, 9])
    idx[:, 0] = index
    return _unit(b, 4, 1), _unit(b, 4, 2), index, idx


def _dist_worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=WORLD)
    f_l, f_ab, index, idx = _dist_inputs()
    local = slice(rank * LOCAL, (rank + 1) * LOCAL)
    bank = _bank(n=12, k=4)
    out_l, _ = bank(f_l[local], f_ab[local], index[local], idx=idx[local])
    bank.update(f_l[local], f_ab[local], index[local])
    torch.save(dict(memory_l=bank.memory_l, memory_ab=bank.memory_ab, z_l=bank.z_l,
                    z_ab=bank.z_ab, out_l=out_l), os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.slow  # spawns two processes
def test_two_processes_give_the_whole_batch_memory_and_z():
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(_dist_worker, args=(os.path.join(tmp, 'init'), tmp), nprocs=WORLD, join=True)
        results = [torch.load(os.path.join(tmp, f'{r}.pt')) for r in range(WORLD)]
    f_l, f_ab, index, idx = _dist_inputs()
    bank = _bank(n=12, k=4)
    out_l, _ = bank(f_l, f_ab, index, idx=idx)
    bank.update(f_l, f_ab, index)
    for r, res in enumerate(results):
        torch.testing.assert_close(res['memory_l'], bank.memory_l, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(res['memory_ab'], bank.memory_ab, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(res['z_l'], bank.z_l, rtol=1e-12, atol=0)
        torch.testing.assert_close(res['z_ab'], bank.z_ab, rtol=1e-12, atol=0)
        torch.testing.assert_close(res['out_l'], out_l[r * LOCAL:(r + 1) * LOCAL])


def test_cross_view_batch_scores_put_the_own_sample_first_then_the_rest_in_order():
    anchor = _unit(2, 4, 1).requires_grad_()
    other = _unit(5, 4, 2).requires_grad_()
    s = cross_view_batch_scores(anchor, other, offset=2)
    dots = [[float(other[j].detach() @ anchor[b].detach()) for j in range(5)] for b in range(2)]
    expected = torch.tensor([[dots[0][2], dots[0][0], dots[0][1], dots[0][3], dots[0][4]],
                             [dots[1][3], dots[1][0], dots[1][1], dots[1][2], dots[1][4]]],
                            dtype=torch.float64)
    torch.testing.assert_close(s, expected)
    # the other view is a detached target, as the memory rows are
    s[:, 0].sum().backward()
    torch.testing.assert_close(anchor.grad, other.detach()[2:4])
    assert other.grad is None
    with pytest.raises(ValueError, match='within'):
        cross_view_batch_scores(anchor, other, offset=4)
    with pytest.raises(ValueError, match='same D'):
        cross_view_batch_scores(anchor, other[:, :3])


def _batch_contrast_worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=WORLD)
    torch.manual_seed(0)
    model = MODELS.build(tiny_cmc('softmax', contrast='batch')).double()
    x = torch.randn(WORLD * LOCAL, 3, 16, 16, generator=torch.Generator().manual_seed(1)).double()
    local = slice(rank * LOCAL, (rank + 1) * LOCAL)
    f_l, f_ab = model.neck([v[-1] for v in model.backbone.forward_views(x[local])])
    losses = model.batch_contrast_loss(f_l, f_ab)
    sum(losses.values()).backward()
    grad = model.backbone.encoders[1].conv1.weight.grad
    torch.save(dict(loss=sum(losses.values()).detach(), grad=grad),
               os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.slow  # spawns two processes
def test_two_processes_contrast_within_the_whole_batch():
    """Each rank's anchors see every rank's features: the mean of the ranks' losses and
    gradients (what DDP averages) equals one process with the whole batch."""
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(_batch_contrast_worker, args=(os.path.join(tmp, 'init'), tmp), nprocs=WORLD,
                 join=True)
        results = [torch.load(os.path.join(tmp, f'{r}.pt')) for r in range(WORLD)]
    torch.manual_seed(0)
    model = MODELS.build(tiny_cmc('softmax', contrast='batch')).double()
    x = torch.randn(WORLD * LOCAL, 3, 16, 16, generator=torch.Generator().manual_seed(1)).double()
    # train-mode BN normalises per process: compare with one process running the two
    # halves' forward passes separately, then contrasting the whole batch
    halves = [model.neck([v[-1] for v in model.backbone.forward_views(part)])
              for part in x.split(LOCAL)]
    f_l, f_ab = (torch.cat([h[i] for h in halves]) for i in (0, 1))
    losses = model.batch_contrast_loss(f_l, f_ab)
    whole = sum(losses.values())
    whole.backward()
    assert abs(float(whole)) > 0.1
    torch.testing.assert_close(sum(r['loss'] for r in results) / WORLD, whole.detach())
    torch.testing.assert_close(sum(r['grad'] for r in results) / WORLD,
                               model.backbone.encoders[1].conv1.weight.grad)


# ------------------------------------------------------------------- algorithm
def tiny_cmc(loss='nce', n_data=8, **kw):
    return dict(
        type='CMC', n_data=n_data, num_noise=5, loss=loss, feat_dim=8, **kw,
        backbone=dict(type='CMCSplitBackbone', encoder=dict(
            type='ResNet_CIFAR', depth=18, stem_channels=4, base_channels=4)),
        neck=dict(type='CMCProjector', in_channels=32, feat_dim=8))


def _samples(index):
    return [DataSample(metainfo=dict(sample_idx=i)) for i in index]


@pytest.mark.parametrize('loss', ['nce', 'softmax'])
def test_algorithm_loss_equals_the_criterion_on_the_pre_update_memory(loss):
    torch.manual_seed(0)
    model = MODELS.build(tiny_cmc(loss))
    x = torch.randn(4, 3, 16, 16)
    index = [5, 1, 7, 0]
    idx = torch.randint(0, 8, (4, 6))
    idx[:, 0] = torch.tensor(index)
    model.memory.sample_noise = lambda ind: idx
    old_l, old_ab = model.memory.memory_l.clone(), model.memory.memory_ab.clone()
    losses = model.loss([x], _samples(index))
    f_l, f_ab = model.neck([v[-1] for v in model.backbone.forward_views(x)])
    s_l = torch.einsum('bkd,bd->bk', old_ab[idx], f_l)
    s_ab = torch.einsum('bkd,bd->bk', old_l[idx], f_ab)
    if loss == 'nce':
        e_l, e_ab = torch.exp(s_l / T), torch.exp(s_ab / T)
        exp_l = nce_loss(e_l / (e_l.mean() * 8), 8)
        exp_ab = nce_loss(e_ab / (e_ab.mean() * 8), 8)
    else:
        exp_l = F.cross_entropy(s_l / T, torch.zeros(4, dtype=torch.long))
        exp_ab = F.cross_entropy(s_ab / T, torch.zeros(4, dtype=torch.long))
    torch.testing.assert_close(losses['loss_l'], exp_l, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(losses['loss_ab'], exp_ab, rtol=1e-5, atol=1e-6)
    sum(losses.values()).backward()
    for enc in model.backbone.encoders:  # both views' networks learn
        assert enc.conv1.weight.grad.abs().sum() > 0
    assert not torch.equal(model.memory.memory_l[index], old_l[index])


def test_batch_contrast_loss_is_the_softmax_over_this_steps_other_view():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cmc('softmax', contrast='batch'))
    x = torch.randn(4, 3, 16, 16)
    old_l = model.memory.memory_l.clone()
    losses = model.loss([x], _samples([5, 1, 7, 0]))
    f_l, f_ab = model.neck([v[-1] for v in model.backbone.forward_views(x)])
    labels = torch.arange(4)  # independent: the full [B, B] logits, positives on the diagonal
    exp_l = F.cross_entropy(f_l @ f_ab.detach().t() / T, labels)
    exp_ab = F.cross_entropy(f_ab @ f_l.detach().t() / T, labels)
    torch.testing.assert_close(losses['loss_l'], exp_l, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(losses['loss_ab'], exp_ab, rtol=1e-5, atol=1e-6)
    assert torch.equal(model.memory.memory_l, old_l)  # the memory is not used


@pytest.mark.parametrize('cfg, match', [
    (dict(loss='infonce'), 'loss'),
    (dict(loss='softmax', z_momentum=0.99), 'z_momentum'),
    (dict(nce_eps=-1.), 'nce_eps'),
    (dict(num_noise=0), 'num_noise'),
    (dict(contrast='queue'), 'contrast'),
    (dict(contrast='batch'), "loss='softmax'"),
])
def test_bad_algorithm_values_are_named(cfg, match):
    model = tiny_cmc()
    model.update(cfg)
    with pytest.raises(ValueError, match=match):
        MODELS.build(model)


def test_bad_inputs_are_named():
    model = MODELS.build(tiny_cmc())
    x = torch.randn(2, 3, 16, 16)
    with pytest.raises(ValueError, match='MultiView'):
        model.loss([x, x], _samples([0, 1]))
    with pytest.raises(ValueError, match='sample_idx'):
        model.loss([x], [DataSample(), DataSample()])
    with pytest.raises(ValueError, match='n_data = 8'):
        model.loss([x], _samples([0, 8]))
    with pytest.raises(ValueError, match='RGBToLab'):
        model.loss([x[:, :2]], _samples([0, 1]))


# ------------------------------------------------ configs: one step per family
def _shrink(model):
    enc = model['backbone']['encoder']
    if enc['type'] == 'CMCAlexNet':
        enc['width'] = 1 / 16
    else:
        enc.update(stem_channels=8, base_channels=4)
        expansion = 4 if enc.get('depth') == 50 and enc['type'] == 'ResNet' else 1
        model['neck']['in_channels'] = 4 * 8 * expansion
    model.update(n_data=2, num_noise=7)
    return model


@pytest.mark.parametrize('config', [
    'configs/cmc/cmc_alexnet-half_1xb256-240e_in1k.py',
    'configs/cmc/cmc_resnet50v1_4xb32-240e_in1k.py',
    'configs/cmc/cmc_resnet50v1-softmax-ycbcr_4xb32-240e_in1k.py',
    'configs/cmc/cmc_resnet18-cifar-w0.5_1xb128-240e_cifar10.py',
])
@pytest.mark.slow  # builds ResNet-50 / AlexNet configs and steps them
def test_one_training_step_per_config_family(config, tmp_path):
    from PIL import Image
    cfg = Config.fromfile(os.path.join(ROOT, config))
    assert cfg.model.n_data in (1281167, 50000)
    model = MODELS.build(_shrink(copy.deepcopy(cfg.model.to_dict())))
    steps = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    if 'AlexNet' not in cfg.model.backbone.encoder.type:  # AlexNet's fc6 needs 224 px
        for step in steps:
            if step['type'] == 'RandomResizedCrop':
                step['scale'] = 32  # the same pipeline, cheaper
    pipeline = Compose(steps)
    rng = np.random.default_rng(0)
    items = []
    for i in range(2):
        path = str(tmp_path / f'{i}.png')
        Image.fromarray(rng.integers(0, 256, (40, 48, 3)).astype(np.uint8)).save(path)
        items.append(pipeline(dict(img_path=path, sample_idx=i)))
    data = default_collate(items)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9))
    before = [p.detach().clone() for p in model.backbone.parameters()]
    log = model.train_step(data, optim)
    assert set(log) >= {'loss', 'loss_l', 'loss_ab'} and math.isfinite(log['loss'].item())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.backbone.parameters()))
    assert bool(model.memory.z_ready) == (cfg.model.loss == 'nce')


@pytest.mark.slow  # builds ResNet-50 / AlexNet configs and steps them
def test_the_5_epoch_config_is_the_quick_one_on_the_whole_split_contrasting_within_the_batch():
    quick = Config.fromfile(os.path.join(ROOT, QUICK))
    five = Config.fromfile(os.path.join(ROOT, 'configs/cmc/cmc_resnet18-w8_1xb128-5e_cifar10.py'))
    assert (five.model.contrast, five.model.loss) == ('batch', 'softmax')
    assert five.train_dataloader.dataset == quick.train_dataloader.dataset.dataset  # no subset
    assert five.train_cfg.max_epochs == 5
    assert five.optim_wrapper == quick.optim_wrapper
    for key in ('backbone', 'neck', 'temperature'):
        assert five.model[key] == quick.model[key]
    # one step of it (shrunk): both views learn, the memory is untouched
    model = MODELS.build(_shrink(copy.deepcopy(five.model.to_dict())))
    data = dict(inputs=[torch.randn(4, 3, 16, 16)], data_samples=_samples([0, 1, 0, 1]))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9))
    before = [p.detach().clone() for p in model.backbone.encoders.parameters()]
    memory = model.memory.memory_ab.clone()
    log = model.train_step(data, optim)
    assert log['loss'].item() > 0 and math.isfinite(log['loss'].item())
    changed = [not torch.equal(a, b) for a, b in zip(before, model.backbone.encoders.parameters())]
    assert any(changed[:len(changed) // 2]) and any(changed[len(changed) // 2:])
    assert torch.equal(model.memory.memory_ab, memory)


def test_linear_probe_configs_build():
    for name, dim in (('cmc_alexnet-half-conv5_linear-1xb256-60e_in1k.py', 9216),
                      ('cmc_resnet50v1_linear-1xb256-60e_in1k.py', 2048)):
        cfg = Config.fromfile(os.path.join(ROOT, 'configs/cmc', name))
        assert cfg.model.head.in_channels == dim
        model = MODELS.build(cfg.model)
        assert all(not p.requires_grad for p in model.backbone.parameters())
        assert cfg.param_scheduler[0].milestones == [30, 40, 50]
        assert cfg.param_scheduler[0].gamma == 0.2
        # LinearProbing.py: crop_low 0.2 (its default) for AlexNet, 0.08 forced for ResNets
        crop = cfg.train_dataloader.dataset.pipeline[1]
        assert crop.type == 'RandomResizedCrop'
        assert crop.crop_ratio_range == ((0.2, 1.) if 'alexnet' in name else (0.08, 1.))
        assert [t.type for t in cfg.train_dataloader.dataset.pipeline] == [
            'LoadImageFromFileChecked', 'RandomResizedCrop', 'RandomFlip', 'RGBToLab', 'PackInputs']


def _cfg(name):
    return Config.fromfile(os.path.join(ROOT, 'configs/cmc', name)).to_dict()


@pytest.mark.parametrize('version,width,lr', [('v1', 0.5, 30.), ('v2', 1, 30.), ('v3', 2, 50.)])
def test_resnet50_width_family(version, width, lr):
    """CMC resnet50v1 / v2 / v3 = widths 0.5 / 1 / 2 (README): the official
    resnet50(width=w) keeps a 64-channel stem and widens the stages to
    64 w 2^i (x4 expansion), so layer4 gives 2048 w channels per view. The
    pre-training projector takes 2048 w, the probe both views' 2 x 2048 w,
    with lr 30 / 30 / 50; everything else is v1's."""
    pre = _cfg(f'cmc_resnet50{version}_4xb32-240e_in1k.py')
    lin = _cfg(f'cmc_resnet50{version}_linear-1xb256-60e_in1k.py')
    for cfg in (pre, lin):
        enc = cfg['model']['backbone']['encoder']
        assert (enc['depth'], enc['stem_channels'], enc['base_channels']) == (50, 64, 64 * width)
    assert pre['model']['neck']['in_channels'] == 2048 * width
    assert lin['model']['head']['in_channels'] == 2 * 2048 * width
    assert lin['optim_wrapper']['optimizer']['lr'] == lr
    for cfg, v1 in ((pre, _cfg('cmc_resnet50v1_4xb32-240e_in1k.py')),
                    (lin, _cfg('cmc_resnet50v1_linear-1xb256-60e_in1k.py'))):
        for part in (cfg, v1):  # blank out what the width changes
            part['model']['backbone']['encoder']['base_channels'] = None
            part['model'].get('neck', {}).pop('in_channels', None)
            part['model'].get('head', {}).pop('in_channels', None)
            part['optim_wrapper']['optimizer']['lr'] = None
        assert cfg == v1


def test_alexnet_conv5_probe_features_are_9216():
    backbone = MODELS.build(dict(type='CMCSplitBackbone', flatten=True,
                                 encoder=dict(type='CMCAlexNet', out_indices=(4, ))))
    backbone.eval()
    with torch.no_grad():
        out = backbone(torch.zeros(1, 3, 224, 224))
    assert out[0].shape == (1, 9216)


# ---------------------------------------- training, resume, k-NN on real runs
@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    import sys
    sys.path.insert(0, os.path.join(ROOT, 'tests'))
    from engine.test_mec_training import make_image_folder
    data = make_image_folder(str(tmp_path_factory.mktemp('cmcdata')), classes=2, per_class=6,
                             size=16)
    work = str(tmp_path_factory.mktemp('cmcwork'))
    cfg = _quick_cfg(data, work, max_epochs=2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return data, work, runner


def _quick_cfg(data, work, max_epochs, **extra):
    cfg = Config.fromfile(os.path.join(ROOT, QUICK))
    opts = {f'{k}.dataset.dataset.data_root': data + '/'
            for k in ('train_dataloader', 'knn_train_dataloader', 'knn_test_dataloader')}
    opts.update({
                 'train_dataloader.batch_size': 6, 'train_dataloader.num_workers': 0,
                 'train_dataloader.persistent_workers': False,
                 'knn_train_dataloader.num_workers': 0, 'knn_test_dataloader.num_workers': 0,
                 # the official NCE criterion (the quick config ships softmax):
                 # these tests cover Z and its restore on resume
                 'model.loss': 'nce',
                 'model.num_noise': 5, 'train_cfg.max_epochs': max_epochs,
                 'default_hooks.checkpoint.interval': 1,
                 'default_hooks.checkpoint.max_keep_ckpts': 3, 'work_dir': work,
                 'log_level': 'WARNING', 'randomness.seed': 0,
                 'env_cfg.dist_cfg.backend': 'gloo'})
    opts.update(extra)
    cfg.merge_from_dict(opts)
    return cfg


def test_training_sizes_the_bank_and_updates_it(trained):
    _, work, runner = trained
    bank = runner.model.memory
    assert bank.n_data == 12  # SpreadSubset keeps all 12 images, numbered 0..11
    assert bool(bank.z_ready) and float(bank.z_l) > 0
    norms = bank.memory_l.norm(dim=1)  # every row updated (normalised) in 2 epochs
    torch.testing.assert_close(norms, torch.ones_like(norms))


def test_resume_restores_banks_and_z(trained):
    data, work, _ = trained
    ckpt = torch.load(os.path.join(work, 'epoch_1.pth'), map_location='cpu', weights_only=False)
    cfg = _quick_cfg(data, work, max_epochs=1, resume=True,
                     load_from=os.path.join(work, 'epoch_1.pth'))
    runner = Runner.from_cfg(cfg)
    runner.train()  # already at epoch 1 of 1: loads, trains nothing
    bank = runner.model.memory
    for name in ('memory_l', 'memory_ab', 'z_l', 'z_ab', 'z_ready'):
        assert torch.equal(getattr(bank, name), ckpt['state_dict'][f'memory.{name}']), name
    assert bank.n_data == 12


def test_n_data_mismatch_is_named(trained):
    data, work, _ = trained
    cfg = _quick_cfg(data, work + '_bad', max_epochs=1, **{'model.n_data': 99})
    with pytest.raises(ValueError, match='n_data = 99'):
        Runner.from_cfg(cfg).train()


def test_knn_tool_feeds_lab_to_both_encoders(trained):
    data, work, runner = trained
    knn_eval = load_tool('tools/analysis/knn_eval.py')
    cfg = _quick_cfg(data, work, max_epochs=2)
    ckpt = os.path.join(work, 'epoch_2.pth')
    result = knn_eval.evaluate(cfg, ckpt, ks=(3, ), progress=False)
    assert result['feature_dim'] == 128  # 2 views x 64 channels
    assert result['num_train'] == 12 and 0 <= result['weighted_knn']['k=3,T=0.07'] <= 100
    from mec_plugin.evaluation import extract_config_features
    feats, _ = extract_config_features(cfg, ckpt, splits=('test', ), progress=False)['test']
    # independent: the trained backbone on the normalised Lab image, views concatenated
    from PIL import Image
    first = sorted(os.listdir(os.path.join(data, 'test', 'class0')))[0]
    rgb = np.asarray(Image.open(os.path.join(data, 'test', 'class0', first)).convert('RGB'))
    lab = (rgb_to_lab(rgb) - (50., 6.025, -6.6895)) / (50., 92.208, 101.1675)
    x = torch.from_numpy(lab).float().permute(2, 0, 1)[None]
    backbone = runner.model.backbone.eval()
    with torch.no_grad():
        expected = backbone(x)[-1].mean(dim=(2, 3))[0]
    torch.testing.assert_close(feats[0], expected, rtol=1e-4, atol=1e-5)
