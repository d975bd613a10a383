"""Two gloo processes give the single-process loss and gradients (docs/methods/mec.md)."""
import os
import tempfile

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from mec_plugin.models.losses import mec_loss
from mec_plugin.utils import all_gather_no_grad, all_gather_with_grad

WORLD, LOCAL_BATCH, DIM, LAMDA_INV = 2, 6, 5, 3.0


def _inputs():
    g = torch.Generator().manual_seed(11)
    x = torch.randn(WORLD * LOCAL_BATCH, DIM, generator=g, dtype=torch.float64)
    p = torch.randn(WORLD * LOCAL_BATCH, DIM, generator=g, dtype=torch.float64)
    return x, p


def _student():
    torch.manual_seed(5)
    return nn.Linear(DIM, DIM).double()


def _objective(p_all, z_all):
    return -LAMDA_INV * mec_loss(p_all, z_all, LAMDA_INV, order=4) / z_all.shape[0]


def _worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=WORLD)
    x, p = _inputs()
    local = slice(rank * LOCAL_BATCH, (rank + 1) * LOCAL_BATCH)
    model = nn.parallel.DistributedDataParallel(_student())
    z_all = all_gather_with_grad(model(x[local]))
    p_all = all_gather_no_grad(p[local])
    loss = _objective(p_all, z_all)
    loss.backward()  # DDP averages the parameter gradients over the ranks
    torch.save(dict(loss=loss.detach(), z_all=z_all.detach(), grad=model.module.weight.grad,
                    bias_grad=model.module.bias.grad), os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.fixture(scope='module')
def two_process_results():
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(_worker, args=(os.path.join(tmp, 'init'), tmp), nprocs=WORLD, join=True)
        return [torch.load(os.path.join(tmp, f'{r}.pt')) for r in range(WORLD)]


def test_single_process_gather_is_identity():
    x = torch.randn(3, 2, requires_grad=True)
    assert all_gather_with_grad(x) is x
    assert all_gather_no_grad(x) is x


@pytest.mark.slow  # spawns two processes
def test_two_processes_give_the_full_batch_loss_and_gradient(two_process_results):
    x, p = _inputs()
    model = _student()
    z = model(x)
    loss = _objective(p, z)
    loss.backward()
    for r in two_process_results:
        torch.testing.assert_close(r['z_all'], z.detach())
        torch.testing.assert_close(r['loss'], loss.detach(), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(r['grad'], model.weight.grad, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(r['bias_grad'], model.bias.grad, rtol=1e-10, atol=1e-12)
