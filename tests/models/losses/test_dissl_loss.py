"""DISSL loss: the test vectors of docs/methods/dissl.md, an independent float64
transcription (the notebook's 1/2[asym + asym] form), gradients, errors."""
import math

import numpy as np
import pytest
import torch

from mec_plugin.models.losses import dissl_loss
from mec_plugin.models.losses.dissl_loss import dissl_terms


def notebook_dissl(t1, t2, s1, s2, lam=2.3, beta=0.8, tau_t=0.5, tau_s=1.0):
    """The minimal notebook's form in numpy float64:
    1/2 [asym(1, 2) + asym(2, 1)], asym(a, b) = -lam H[mean t_a]
    - beta E_{t_a}[log t_b] - E_{t_a}[log s_b]."""
    def log_softmax(x):
        x = x - x.max(axis=1, keepdims=True)
        return x - np.log(np.exp(x).sum(axis=1, keepdims=True))

    def asym(ta, tb, sb):
        pa = np.exp(log_softmax(ta / tau_t))
        marg = pa.mean(axis=0)
        h = -np.sum(marg * np.log(marg))
        return (-lam * h - beta * np.mean(np.sum(pa * log_softmax(tb / tau_t), axis=1))
                - np.mean(np.sum(pa * log_softmax(sb / tau_s), axis=1)))

    return 0.5 * (asym(t1, t2, s2) + asym(t2, t1, s1))


def test_uniform_logits_give_one_minus_lambda_plus_beta_log_c():
    z = torch.zeros(3, 16384)
    torch.testing.assert_close(dissl_loss(z, z, z, z), torch.tensor(-4.852030264), rtol=0, atol=2e-6)
    torch.testing.assert_close(dissl_loss(z, z, z, z, beta=0.6), torch.tensor(-6.792842369),
                               rtol=0, atol=2e-6)
    _, terms = dissl_loss(z, z, z, z, return_terms=True)
    for name in ('ce_pq', 'h_m', 'ce_pp'):
        assert terms[name].item() == pytest.approx(math.log(16384), abs=1e-5)


@pytest.mark.parametrize('off', [0., -20.])
def test_near_deterministic_balanced(off):
    # C = 2, B = 2, sample 1 -> class 0, sample 2 -> class 1, same in both crops
    t = torch.tensor([[20., off], [off, 20.]], dtype=torch.float64)
    loss, terms = dissl_loss(t, t, t, t, return_terms=True)
    assert loss.item() == pytest.approx(-1.5942385, abs=1e-7)
    assert terms['h_m'].item() == pytest.approx(math.log(2), abs=1e-12)
    expected_ce_pq = math.log1p(math.exp(off - 20.))  # 2.06e-9 for 20 * one-hot
    assert terms['ce_pq'].item() == pytest.approx(expected_ce_pq, rel=1e-6, abs=1e-15)
    assert 0 <= terms['ce_pp'].item() < 1e-15


def test_c4_hand_example():
    t = torch.tensor([[2., 0, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=torch.float64)
    s = torch.tensor([[1., 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]], dtype=torch.float64)
    loss, terms = dissl_loss(t[:2], t[2:], s[:2], s[2:], return_terms=True)
    assert terms['ce_pq'].item() == pytest.approx(1.2943671615, abs=1e-9)
    assert terms['h_m'].item() == pytest.approx(1.0134662769, abs=1e-9)
    assert terms['ce_pp'].item() == pytest.approx(0.8267375195, abs=1e-9)
    assert loss.item() == pytest.approx(-0.3752152597, abs=1e-9)
    # float32 input gives the same value in float32
    assert dissl_loss(t[:2].float(), t[2:].float(), s[:2].float(), s[2:].float()).dtype == torch.float32


@pytest.mark.parametrize('lam,beta,tau_t,tau_s', [(2.3, 0.8, 0.5, 1.0), (1.8, 0.4, 0.3, 0.7)])
def test_equals_notebook_form_in_float64(lam, beta, tau_t, tau_s):
    g = torch.Generator().manual_seed(0)
    x = [torch.randn(6, 11, generator=g, dtype=torch.float64) * 3 for _ in range(4)]
    ours = dissl_loss(*x, lambda_=lam, beta=beta, tau_teacher=tau_t, tau_student=tau_s)
    ref = notebook_dissl(*[v.numpy() for v in x], lam, beta, tau_t, tau_s)
    assert ours.item() == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_half_precision_logits_are_computed_in_float32():
    g = torch.Generator().manual_seed(1)
    x = [torch.randn(4, 9, generator=g) for _ in range(4)]
    out = dissl_loss(*[v.half() for v in x])
    assert out.dtype == torch.float32
    ref = dissl_loss(*[v.half().double() for v in x])
    assert out.item() == pytest.approx(ref.item(), abs=1e-5)


def test_gradcheck_float64():
    g = torch.Generator().manual_seed(2)
    x = [torch.randn(3, 5, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(4)]
    assert torch.autograd.gradcheck(lambda *a: dissl_loss(*a), x)


def test_distillation_term_reaches_the_teacher():
    # no stop-gradient: CE_pq alone has a non-zero gradient w.r.t. the teacher logits
    g = torch.Generator().manual_seed(3)
    t1, t2 = (torch.randn(4, 6, generator=g, requires_grad=True) for _ in range(2))
    s1, s2 = (torch.randn(4, 6, generator=g, requires_grad=True) for _ in range(2))
    terms = dissl_terms(t1, t2, s1, s2)
    grads = torch.autograd.grad(terms['ce_pq'], [t1, t2])
    assert all(gr.abs().sum() > 1e-3 for gr in grads)
    # and it equals the derivative of -sum p_t1 log s_2 through p_t1 (finite check of one entry)
    t1d, t2d, s1d, s2d = (v.detach().double() for v in (t1, t2, s1, s2))
    eps = 1e-6
    bump = torch.zeros_like(t1d)
    bump[0, 0] = eps
    num = (dissl_terms(t1d + bump, t2d, s1d, s2d)['ce_pq'] -
           dissl_terms(t1d - bump, t2d, s1d, s2d)['ce_pq']) / (2 * eps)
    assert grads[0][0, 0].item() == pytest.approx(num.item(), rel=1e-3, abs=1e-6)


def test_entropy_is_per_crop_not_pooled():
    # crop 1 all -> class 0, crop 2 all -> class 1: each crop's marginal is a
    # point mass (H = 0), the pooled marginal would have H = log 2
    t1 = torch.tensor([[30., 0.], [30., 0.]], dtype=torch.float64)
    t2 = t1.flip(1)
    terms = dissl_terms(t1, t2, t1, t2)
    assert abs(terms['h_m'].item()) < 1e-12


@pytest.mark.parametrize('kwargs,name', [(dict(lambda_=-1.), 'lambda_'), (dict(beta=-0.1), 'beta'),
                                         (dict(tau_teacher=0.), 'tau_teacher'),
                                         (dict(tau_student=-1.), 'tau_student')])
def test_bad_values_are_named(kwargs, name):
    z = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=name):
        dissl_loss(z, z, z, z, **kwargs)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r'\[B, C\]'):
        dissl_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(2, 3))
