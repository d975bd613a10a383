"""Shuffle-BN of the MoCoSmall ImageNet configs: per-GPU BatchNorm (no SyncBN)
and the keys of a batch permuted across two gloo processes, as the official
main_moco_final.py does (_batch_shuffle_ddp / _batch_unshuffle_ddp)."""
import glob
import os
import tempfile
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmengine.config import Config

import mec_plugin  # noqa: F401
from mec_plugin.registry import MODELS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
CONFIG = os.path.join(ROOT, 'configs', 'moco_small', 'mocosmall_resnet18_8xb64-200e_in1k.py')
IN1K = sorted(glob.glob(os.path.join(ROOT, 'configs', 'moco_small', '*_in1k.py')))
WORLD, LOCAL = 2, 4
DEADLINE_S = 120


def _norm_types(cfg):
    """Every norm_cfg type in a config tree."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get('norm_cfg'), dict):
                found.append(node['norm_cfg'].get('type'))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)
    walk(cfg.model.to_dict())
    return found


@pytest.mark.parametrize('path', IN1K, ids=os.path.basename)
def test_imagenet_configs_use_per_gpu_bn(path):
    cfg = Config.fromfile(path)
    types = _norm_types(cfg)
    assert 'SyncBN' not in types and cfg.get('sync_bn') is None
    if 'deit' in path:
        assert types == []  # LayerNorm throughout
    else:
        assert types == ['BN']  # the backbone's, per process
    assert cfg.train_dataloader.batch_size * 8 == 512  # 8 GPUs x 64


def _model():
    cfg = Config.fromfile(CONFIG).model
    cfg.queue_len = WORLD * LOCAL
    torch.manual_seed(7)  # same weights and queue on every rank
    return MODELS.build(cfg.to_dict())


def _inputs():
    g = torch.Generator().manual_seed(3)
    return [torch.randn(WORLD * LOCAL, 3, 32, 32, generator=g) for _ in range(2)]


def _worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=WORLD, timeout=timedelta(seconds=DEADLINE_S))
    torch.set_num_threads(1)
    model = _model()
    im_q, im_k = _inputs()
    local = slice(rank * LOCAL, (rank + 1) * LOCAL)
    key_net = model.encoder_k.module
    seen = {}
    key_net.register_forward_pre_hook(lambda m, a: seen.__setitem__('key_in', a[0].clone()))
    key_net.register_forward_hook(lambda m, a, o: seen.__setitem__('key_out', o[0].clone()))
    key_net[0].norm1.register_forward_hook(
        lambda m, a, o: seen.update(bn_in=a[0].clone(), bn_out=o.clone()))
    loss = model.head.loss
    model.head.loss = lambda q, k, queue: (seen.__setitem__('k', k.clone()), loss(q, k, queue))[1]
    torch.manual_seed(0)  # rank 0's permutation is broadcast to every rank
    model.loss([im_q[local], im_k[local]], None)
    seen['running_mean'] = key_net[0].norm1.running_mean.clone()
    seen['query_running_mean'] = model.backbone.norm1.running_mean.clone()
    torch.save(seen, os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


def _run_two_processes(tmp):
    ctx = mp.get_context('spawn')
    procs = [ctx.Process(target=_worker, args=(r, os.path.join(tmp, 'init'), tmp))
             for r in range(WORLD)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(DEADLINE_S)
    alive = [p for p in procs if p.is_alive()]
    for p in alive:
        p.terminate()
        p.join(5)
    assert not alive, f'two-process shuffle-BN run still running after {DEADLINE_S} s'
    assert [p.exitcode for p in procs] == [0] * WORLD
    return [torch.load(os.path.join(tmp, f'{r}.pt')) for r in range(WORLD)]


@pytest.mark.slow  # spawns two processes
def test_keys_are_normalised_with_a_batch_permuted_across_two_processes():
    with tempfile.TemporaryDirectory() as tmp:
        results = _run_two_processes(tmp)
    im_q, im_k = _inputs()
    reference = _model()  # the key encoder's first update copies these weights
    conv1 = reference.backbone.conv1
    rows = []
    for rank, r in enumerate(results):
        # which global key images this rank's key encoder saw
        match = (r['key_in'].flatten(1)[:, None] == im_k.flatten(1)[None]).all(-1)
        assert match.sum(1).tolist() == [1] * LOCAL
        rows.append(match.float().argmax(1))
    order = torch.cat(rows)
    assert sorted(order.tolist()) == list(range(WORLD * LOCAL))  # a permutation of the batch
    own = [set(range(rank * LOCAL, (rank + 1) * LOCAL)) for rank in range(WORLD)]
    assert all(set(rows[rank].tolist()) != own[rank] for rank in range(WORLD))  # mixed ranks
    with torch.no_grad():
        for rank, r in enumerate(results):
            # the key encoder's first BN normalises exactly the permuted images ...
            x = conv1(im_k[rows[rank]])
            torch.testing.assert_close(r['bn_in'], x, rtol=1e-5, atol=1e-5)
            mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=False)
            bn = reference.backbone.norm1
            expected = ((x - mean[:, None, None]) / (var[:, None, None] + bn.eps).sqrt()
                        * bn.weight[:, None, None] + bn.bias[:, None, None])
            torch.testing.assert_close(r['bn_out'], expected, rtol=1e-4, atol=1e-4)
            # ... and its running mean takes that batch's mean (after the EMA copied the
            # query encoder's buffers, which saw this rank's own queries)
            q_mean = conv1(im_q[rank * LOCAL:(rank + 1) * LOCAL]).mean((0, 2, 3))
            torch.testing.assert_close(r['query_running_mean'], 0.1 * q_mean, rtol=1e-4,
                                       atol=1e-6)
            torch.testing.assert_close(r['running_mean'], 0.9 * 0.1 * q_mean + 0.1 * mean,
                                       rtol=1e-4, atol=1e-6)
            own_mean = conv1(im_k[rank * LOCAL:(rank + 1) * LOCAL]).mean((0, 2, 3))
            assert not torch.allclose(r['running_mean'], 0.9 * 0.1 * q_mean + 0.1 * own_mean,
                                      rtol=1e-3, atol=1e-5)
    # un-shuffled: rank r's keys are those of its own images, in order, wherever computed
    out_by_row = {}
    for rank, r in enumerate(results):
        for i, g in enumerate(rows[rank].tolist()):
            out_by_row[g] = F.normalize(r['key_out'][i], dim=0)
    for rank, r in enumerate(results):
        expected = torch.stack([out_by_row[g] for g in range(rank * LOCAL, (rank + 1) * LOCAL)])
        torch.testing.assert_close(r['k'], expected, rtol=1e-5, atol=1e-6)
