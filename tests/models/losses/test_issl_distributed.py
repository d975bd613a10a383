"""Two gloo processes give the single-process loss and gradients of the whole
batch: DISSL's gathered marginal (two crops, and multi-crop: 2 globals + 4
locals) and CISSL's gathered teacher (docs/methods/dissl.md, docs/methods/cissl.md)."""
import os
import tempfile

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from mec_plugin.models.losses import cissl_loss, dissl_loss, dissl_loss_multicrop
from mec_plugin.models.losses.cissl_loss import simclr_loss

pytestmark = pytest.mark.slow  # every test reads the results of two spawned processes

WORLD, LOCAL, DIM, C = 2, 3, 5, 7
GLOBALS, CROPS = 2, 6  # the multi-crop case: 2 global + 4 local crops
NAMES = ('dissl', 'dissl_multicrop', 'cissl', 'simclr')


def _inputs(crops=2):
    g = torch.Generator().manual_seed(21)
    return [torch.randn(WORLD * LOCAL, DIM, generator=g, dtype=torch.float64)
            for _ in range(crops)]


def _crops(name):
    return CROPS if name == 'dissl_multicrop' else 2


USED = dict(dissl=('teacher', 'student'), dissl_multicrop=('teacher', 'student'),
            cissl=('t_emb', 's_emb'), simclr=('s_emb', ))


class _Objective(nn.Module):
    """Linear heads and one loss; DDP must call forward to average gradients."""

    def __init__(self, name):
        super().__init__()
        torch.manual_seed(4)
        all_heads = dict(teacher=nn.Linear(DIM, C), student=nn.Linear(DIM, C),
                         t_emb=nn.Linear(DIM, 4), s_emb=nn.Linear(DIM, 4))
        # only the heads this loss uses: DDP wants every parameter to get a gradient
        self.h = nn.ModuleDict({k: all_heads[k] for k in USED[name]})
        self.name = name

    def forward(self, *crops):
        h = self.h
        if self.name == 'dissl_multicrop':
            # VISSL: the teacher sees the globals only, the student every crop
            return dissl_loss_multicrop([h['teacher'](x) for x in crops[:GLOBALS]],
                                        [h['student'](x) for x in crops], lambda_=2.3, beta=0.6)
        x1, x2 = crops
        if self.name == 'dissl':
            return dissl_loss(h['teacher'](x1), h['teacher'](x2), h['student'](x1),
                              h['student'](x2))
        if self.name == 'cissl':
            return cissl_loss(h['s_emb'](x1), h['s_emb'](x2), h['t_emb'](x1), h['t_emb'](x2), 0.3)
        return simclr_loss(h['s_emb'](x1), h['s_emb'](x2), 0.3)


def _grads(heads):
    return {k: p.grad.clone() for k, p in heads.named_parameters()}


def _worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=WORLD)
    out = {}
    for name in NAMES:
        crops = [x[rank * LOCAL:(rank + 1) * LOCAL] for x in _inputs(_crops(name))]
        # a fresh DDP model per loss: DDP averages the parameter gradients over ranks
        model = nn.parallel.DistributedDataParallel(_Objective(name).double())
        loss = model(*crops)
        loss.backward()
        out[name] = dict(loss=loss.detach(), grads=_grads(model.module))
    torch.save(out, os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.fixture(scope='module')
def two_process_results():
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(_worker, args=(os.path.join(tmp, 'init'), tmp), nprocs=WORLD, join=True)
        return [torch.load(os.path.join(tmp, f'{r}.pt')) for r in range(WORLD)]


@pytest.mark.parametrize('name', NAMES)
def test_two_processes_equal_the_whole_batch(two_process_results, name):
    heads = _Objective(name).double()
    loss = heads(*_inputs(_crops(name)))
    loss.backward()
    ranks = [r[name] for r in two_process_results]
    # each rank's loss is the mean over its own rows; their mean is the full-batch loss
    mean_loss = sum(r['loss'] for r in ranks) / WORLD
    torch.testing.assert_close(mean_loss, loss.detach(), rtol=1e-12, atol=1e-12)
    assert not torch.allclose(ranks[0]['loss'], ranks[1]['loss'])  # the rows do differ
    for r in ranks:
        for k, g in _grads(heads).items():
            torch.testing.assert_close(r['grads'][k], g, rtol=1e-10, atol=1e-12, msg=k)


def test_without_the_gather_dissl_differs(two_process_results):
    # the local-marginal entropy (ISSL's single-GPU code) is a different loss
    x1, x2 = _inputs()
    h = _Objective('dissl').double().h
    t1, t2 = h['teacher'](x1), h['teacher'](x2)
    s1, s2 = h['student'](x1), h['student'](x2)
    full = dissl_loss(t1, t2, s1, s2)
    halves = sum(dissl_loss(t1[sl], t2[sl], s1[sl], s2[sl], gather_marginal=False)
                 for sl in (slice(0, LOCAL), slice(LOCAL, None))) / WORLD
    assert abs(full.item() - halves.item()) > 1e-4
    mean_loss = sum(r['dissl']['loss'] for r in two_process_results) / WORLD
    assert mean_loss.item() == pytest.approx(full.item(), abs=1e-12)


def test_without_the_gather_multicrop_dissl_differs(two_process_results):
    # the same check for 2 globals + 4 locals: the ranks' losses equal the
    # gathered-marginal loss, not the mean of per-rank local-marginal losses
    crops = _inputs(CROPS)
    h = _Objective('dissl_multicrop').double().h

    def loss(rows, gather):
        return dissl_loss_multicrop([h['teacher'](x[rows]) for x in crops[:GLOBALS]],
                                    [h['student'](x[rows]) for x in crops], lambda_=2.3,
                                    beta=0.6, gather_marginal=gather)

    full = loss(slice(None), True)
    halves = (loss(slice(0, LOCAL), False) + loss(slice(LOCAL, None), False)) / WORLD
    assert abs(full.item() - halves.item()) > 1e-4
    mean_loss = sum(r['dissl_multicrop']['loss'] for r in two_process_results) / WORLD
    assert mean_loss.item() == pytest.approx(full.item(), abs=1e-12)
