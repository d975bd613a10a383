"""LARC (apex's rule, used by the official MEC probe and VISSL's DISSL / CISSL):
equal to an independent float64 transcription, to mmpretrain's LARS while the
lr is constant and not after it changes, no host reads, registered."""
import copy

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmpretrain.engine.optimizers import LARS

import mec_plugin  # noqa: F401 (registers)
from mec_plugin.engine import LARC
from test_host_reads import HostReads


def _params():
    g = torch.Generator().manual_seed(3)
    weight = torch.randn(5, 4, generator=g, dtype=torch.float64)
    zero = torch.zeros(3, dtype=torch.float64)  # ||p|| = 0: no trust ratio, no decay
    bias = torch.randn(3, generator=g, dtype=torch.float64)
    unused = torch.randn(2, generator=g, dtype=torch.float64)  # no gradient at all
    return [torch.nn.Parameter(t) for t in (weight, zero, bias, unused)]


def _grads(step):
    g = torch.Generator().manual_seed(100 + step)
    grads = [torch.randn(5, 4, generator=g, dtype=torch.float64),
             torch.randn(3, generator=g, dtype=torch.float64),
             torch.zeros(3, dtype=torch.float64) if step == 1 else  # ||g|| = 0 once
             torch.randn(3, generator=g, dtype=torch.float64),
             None]
    return grads


def _reference(params, lrs, momentum, wd, trust, clip, eps, nesterov):
    """apex LARC then torch SGD, written out per parameter in float64."""
    p = [x.detach().clone() for x in params]
    buf = [None] * len(p)
    for step, lr in enumerate(lrs):
        for i, g in enumerate(_grads(step)):
            if g is None:
                continue
            pn, gn = p[i].norm().item(), g.norm().item()
            if pn != 0 and gn != 0:
                r = trust * pn / (gn + pn * wd + eps)
                if clip:
                    r = min(r / lr, 1.)
                g = (g + wd * p[i]) * r
            if momentum:
                buf[i] = g.clone() if buf[i] is None else momentum * buf[i] + g
                g = g + momentum * buf[i] if nesterov else buf[i]
            p[i] = p[i] - lr * g
    return p


def _run(opt_cls, params, lrs, **kwargs):
    opt = opt_cls(params, lr=lrs[0], **kwargs)
    for step, lr in enumerate(lrs):
        for group in opt.param_groups:
            group['lr'] = lr
        for p, g in zip(params, _grads(step)):
            p.grad = None if g is None else g.clone()
        opt.step()
    return [p.detach() for p in params]


@pytest.mark.parametrize('clip,nesterov,momentum', [(False, False, 0.9), (True, False, 0.9),
                                                    (False, True, 0.9), (False, False, 0.)])
def test_larc_is_apex_larc_then_sgd(clip, nesterov, momentum):
    lrs = [0.5, 0.3, 0.05]  # a schedule: the lr changes every step
    kw = dict(momentum=momentum, weight_decay=1e-2, trust_coefficient=0.02, clip=clip, eps=1e-8,
              nesterov=nesterov)
    params = _params()
    start = [p.detach().clone() for p in params]
    out = _run(LARC, params, lrs, **kw)
    ref = _reference(start, lrs, momentum, 1e-2, 0.02, clip, 1e-8, nesterov)
    for a, b in zip(out, ref):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-15)
    assert torch.equal(out[3], start[3])  # no gradient: untouched
    assert all(not torch.equal(a, b) for a, b in zip(out[:3], start[:3]))
    # the zero parameter moved by plain SGD (no ratio, no decay): -lr * momentum-sum of its grads
    assert out[1].abs().max().item() > 0


def test_larc_equals_mmpretrain_lars_at_a_constant_lr_only():
    kw = dict(momentum=0.9, weight_decay=1e-3)
    constant = [0.2, 0.2, 0.2]
    a = _run(LARC, _params(), constant, trust_coefficient=0.001, clip=False, **kw)
    b = _run(LARS, _params(), constant, eta=0.001, **kw)
    torch.testing.assert_close(a[0], b[0], rtol=1e-12, atol=1e-15)
    # where ||p|| or ||g|| is 0 LARS still applies the weight decay, LARC (apex) does not:
    # the bias had a zero gradient at step 1
    assert not torch.allclose(a[2], b[2], rtol=1e-9, atol=0)
    changing = [0.2, 0.4, 0.8]  # LARS scales by the lr before the momentum buffer, LARC after
    a = _run(LARC, _params(), changing, trust_coefficient=0.001, clip=False, **kw)
    b = _run(LARS, _params(), changing, eta=0.001, **kw)
    assert not torch.allclose(a[0], b[0], rtol=1e-9, atol=0)


def test_larc_reads_nothing_back_and_restores_the_weight_decay():
    params = [torch.nn.Parameter(torch.randn(6, 6)) for _ in range(3)]
    opt = LARC(params, lr=0.1, momentum=0.9, weight_decay=1e-4, trust_coefficient=0.001,
               clip=False)
    for p in params:
        p.grad = torch.randn_like(p)
    with HostReads() as reads:
        opt.step()
        opt.step()
    assert reads.calls == []
    assert opt.param_groups[0]['weight_decay'] == 1e-4
    state = copy.deepcopy(opt.state_dict())
    assert state['param_groups'][0]['trust_coefficient'] == 0.001
    assert state['param_groups'][0]['clip'] is False


def test_larc_builds_from_a_config_with_per_group_options():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    wrapper = build_optim_wrapper(model, dict(
        type='OptimWrapper',
        optimizer=dict(type='LARC', lr=0.3, momentum=0.9, weight_decay=1e-6,
                       trust_coefficient=0.001, clip=False, eps=1e-8),
        paramwise_cfg=dict(norm_decay_mult=0.)))
    opt = wrapper.optimizer
    assert isinstance(opt, LARC)
    assert {g['trust_coefficient'] for g in opt.param_groups} == {0.001}
    assert sorted({g['weight_decay'] for g in opt.param_groups}) == [0., 1e-6]


@pytest.mark.parametrize('kwargs,match', [
    (dict(lr=-1.), 'lr'), (dict(lr=0.1, trust_coefficient=-0.1), 'trust_coefficient'),
    (dict(lr=0.1, eps=-1.), 'eps'), (dict(lr=0.1, clip='no'), 'clip'),
])
def test_bad_values_are_named(kwargs, match):
    with pytest.raises(ValueError, match=f'LARC: {match}'):
        LARC([torch.nn.Parameter(torch.ones(2))], **kwargs)
