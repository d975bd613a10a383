"""mec_loss against the test vectors of docs/methods/mec.md and independent float64 maths."""
import numpy as np
import pytest
import torch

from _reference import exact_logdet, np_logdet, np_trace_series, repeated_product_trace
from mec_plugin.models.losses import (lamda_inv_from_eps, mec_loss, taylor_spectral_radius,
                                      taylor_trace_terms)
from mec_plugin.models.losses.mec_loss import check_loss_options


def official_loss(p, z, lamda_inv, order=4, mode='batch'):
    """The trained objective for one symmetric pair (p = teacher, z = student)."""
    m = p.shape[0]
    return -lamda_inv * mec_loss(p, z, lamda_inv, order, mode) / m


ALL_MODES = ['batch', 'feature', 'auto']


@pytest.mark.parametrize('mode', ALL_MODES)
def test_vector_orthonormal_rows(mode):
    p = torch.eye(4, 8, dtype=torch.float64)
    assert official_loss(p, p, 32., 4, mode).item() == pytest.approx(-0.9846928914, abs=1e-9)
    assert official_loss(p.float(), p.float(), 32., 4, mode).item() == pytest.approx(
        -0.9846928914, abs=1e-6)
    exact = official_loss(p.double(), p.double(), 32., mode='exact').item()
    assert exact == pytest.approx(-0.9846930773, abs=1e-9)


@pytest.mark.parametrize('lamda_inv', [32., 3., 0.7])
def test_vector_order_one_is_minus_mean_cosine(lamda_inv):
    p = torch.eye(4, 8)
    assert official_loss(p, p, lamda_inv, order=1).item() == pytest.approx(-1.0, abs=1e-6)
    p, z = torch.randn(16, 8), torch.randn(16, 8)
    cos = torch.nn.functional.cosine_similarity(p, z).mean()
    assert official_loss(p, z, lamda_inv, order=1).item() == pytest.approx(-cos.item(), abs=1e-6)


@pytest.mark.parametrize('mode', ALL_MODES)
def test_vector_collapsed_batch(mode):
    p = torch.ones(4, 8, dtype=torch.float64)
    assert official_loss(p, p, 32., 4, mode).item() == pytest.approx(-0.9422200521, abs=1e-9)
    assert official_loss(p.float(), p.float(), 32., 4, mode).item() == pytest.approx(
        -0.9422200521, abs=1e-6)


def test_vector_batch_equals_feature_seed1():
    rng = np.random.default_rng(1)
    p_np, z_np = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    p, z = torch.from_numpy(p_np), torch.from_numpy(z_np)
    for mode in ALL_MODES:
        assert mec_loss(p, z, 10., 4, mode).item() == pytest.approx(0.1478457307, abs=1e-10)
    assert mec_loss(p, z, 10., mode='exact').item() == pytest.approx(0.1478590922, abs=1e-10)


def test_taylor_close_to_exact_when_radius_small():
    p = torch.randn(6, 16, dtype=torch.float64)
    z = p + 0.3 * torch.randn(6, 16, dtype=torch.float64)
    taylor, exact = mec_loss(p, z, 32.), mec_loss(p, z, 32., mode='exact')
    assert taylor.item() == pytest.approx(np_logdet(p.numpy(), z.numpy(), 32.), rel=1e-5)
    assert abs(taylor.item() - exact.item()) / exact.item() < 1e-5


@pytest.mark.parametrize('order', [1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize('m,d', [(12, 40), (40, 12), (9, 9)])
def test_every_order_and_mode_matches_float64_reference(order, m, d):
    p, z = torch.randn(m, d), torch.randn(m, d)
    ref = np_trace_series(p.double().numpy(), z.double().numpy(), 4., order)
    for mode in ALL_MODES:
        got = mec_loss(p, z, 4., order, mode)
        assert got.dtype == torch.float32
        assert got.item() == pytest.approx(ref, rel=1e-5, abs=1e-6), mode


@pytest.mark.parametrize('m,d', [(12, 40), (40, 12)])
def test_the_benchmarks_torch_reference_is_the_float64_one(m, d):
    """benchmarks/mec_loss.py and train_step.py time the plugin against the torch
    transcription of tests/_reference.py: it is the numpy one, in torch."""
    p, z = torch.randn(m, d, dtype=torch.float64), torch.randn(m, d, dtype=torch.float64)
    for order in (1, 4, 6):
        ref = np_trace_series(p.numpy(), z.numpy(), 4., order)
        assert repeated_product_trace(p, z, 4., order).item() == pytest.approx(ref, rel=1e-12)
    assert exact_logdet(p, z, 4.).item() == pytest.approx(np_logdet(p.numpy(), z.numpy(), 4.),
                                                          rel=1e-12)


def test_terms_are_the_signed_traces_of_the_powers():
    p, z = torch.randn(10, 6, dtype=torch.float64), torch.randn(10, 6, dtype=torch.float64)
    c = torch.nn.functional.normalize(p, dim=1) @ torch.nn.functional.normalize(z, dim=1).T / 2.
    terms = taylor_trace_terms(p, z, 2., order=5)
    for k in range(1, 6):
        expected = (-1)**(k + 1) * torch.trace(torch.linalg.matrix_power(c, k)) / k
        assert terms[k - 1].item() == pytest.approx(expected.item(), rel=1e-12)


@pytest.mark.parametrize('mode', ['batch', 'feature', 'exact'])
def test_gradients_match_finite_differences(mode):
    p = torch.randn(7, 5, dtype=torch.float64)
    z = torch.randn(7, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: mec_loss(p, x, 3., 4, mode), (z, ))


def test_gradients_of_batch_and_feature_modes_agree():
    p = torch.randn(16, 24)
    grads = []
    for mode in ('batch', 'feature'):
        z = torch.randn(16, 24, generator=torch.Generator().manual_seed(3)).requires_grad_()
        mec_loss(p, z, 6., 4, mode).backward()
        grads.append(z.grad)
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-4, atol=1e-6)


def test_exact_equals_float64_logdet_on_both_sides():
    for m, d in ((8, 20), (20, 8)):
        p, z = torch.randn(m, d), torch.randn(m, d)
        ref = np_logdet(p.double().numpy(), z.double().numpy(), 5.)
        assert mec_loss(p, z, 5., mode='exact').item() == pytest.approx(ref, rel=1e-5)


def test_half_precision_inputs_are_computed_in_float32():
    p, z = torch.randn(32, 64), torch.randn(32, 64)
    ref = mec_loss(p.double(), z.double(), 8.)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = mec_loss(p.bfloat16(), z.bfloat16(), 8.)
    assert out.dtype == torch.float32
    # only the bf16 rounding of the inputs remains
    assert out.item() == pytest.approx(ref.item(), rel=2e-2)
    ref_rounded = mec_loss(p.bfloat16().double(), z.bfloat16().double(), 8.)
    assert out.item() == pytest.approx(ref_rounded.item(), rel=1e-5)


def test_spectral_radius_estimate_matches_eigenvalues():
    gen = torch.Generator().manual_seed(0)
    for p, z in [(torch.randn(30, 10), None), (torch.randn(30, 10), torch.randn(30, 10))]:
        z = p if z is None else z
        pn, zn = (torch.nn.functional.normalize(x.double(), dim=1) for x in (p, z))
        rho = torch.linalg.eigvals(pn @ zn.T / 2.).abs().max().item()
        est = taylor_spectral_radius(p, z, 2., num_iters=200, generator=gen).item()
        assert est == pytest.approx(rho, rel=0.05)


def test_spectral_radius_of_collapsed_batch_is_lambda_m():
    p = torch.ones(4, 8)
    assert taylor_spectral_radius(p, p, 32.).item() == pytest.approx(4 / 32, rel=1e-5)
    assert taylor_spectral_radius(p, p, 2.).item() == pytest.approx(2.0, rel=1e-5)


def test_lamda_inv_from_eps_official_defaults():
    assert lamda_inv_from_eps(1024, 2048, 64.) == 32.
    assert lamda_inv_from_eps(512, 2048, 64.) == 16.


@pytest.mark.parametrize('kwargs,match', [
    (dict(order=0), 'mec_loss: order must be an integer >= 1, got 0'),
    (dict(order=2.5), 'mec_loss: order must be an integer >= 1, got 2.5'),
    (dict(mode='trace'), "mec_loss: mode must be one of .*, got 'trace'"),
    (dict(lamda_inv=0.), r'mec_loss: lamda_inv \(1/lambda\) must be > 0'),
])
def test_bad_arguments_name_the_problem(kwargs, match):
    args = dict(p=torch.randn(4, 3), z=torch.randn(4, 3), lamda_inv=2.)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        mec_loss(**args)
    with pytest.raises(ValueError, match='shape'):
        mec_loss(torch.randn(4, 3), torch.randn(5, 3), 2.)
    with pytest.raises(ValueError, match='lamda_inv_from_eps: eps_square must be > 0, got 0'):
        lamda_inv_from_eps(4, 3, 0.)
    # the exact log-det has no series: its order is not used, so not refused
    assert torch.isfinite(mec_loss(torch.randn(4, 3), torch.randn(4, 3), 2., 0, 'exact'))


# MECHead runs this check when it is built, with its own names: the messages of
# docs/troubleshooting.md's taylor_order, eps_square and mode rows (tests/test_errors.py
# builds them through a config)
@pytest.mark.parametrize('kwargs,message', [
    (dict(mode='taylor'), "MECHead: mode must be one of ('auto', 'batch', 'feature', 'exact'), "
                          "got 'taylor'"),
    (dict(order=0), 'MECHead: taylor_order must be an integer >= 1, got 0'),
    (dict(order=2.5), 'MECHead: taylor_order must be an integer >= 1, got 2.5'),
    (dict(eps_square=0.), 'MECHead: eps_square must be > 0, got 0.0'),
    (dict(eps_square=-64.), 'MECHead: eps_square must be > 0, got -64.0'),
])
def test_the_options_check_names_the_caller_and_its_field(kwargs, message):
    with pytest.raises(ValueError) as err:
        check_loss_options('MECHead', order_name='taylor_order', **kwargs)
    assert str(err.value) == message
    check_loss_options('MECHead', mode='exact', order=4, eps_square=64.)  # a valid set passes


def test_default_radius_estimate_on_clustered_embeddings():
    """The case the guard exists for: clustered (not yet uniform) embeddings,
    where one direction dominates; the default 20 steps must be accurate."""
    g = torch.Generator().manual_seed(4)
    centres = torch.randn(10, 64, generator=g)
    labels = torch.arange(256) % 10
    p = centres[labels] + 0.5 * torch.randn(256, 64, generator=g)
    z = p + 0.3 * torch.randn(256, 64, generator=g)
    for lamda_inv in (8., 32., 128.):
        pn, zn = (torch.nn.functional.normalize(x.double(), dim=1) for x in (p, z))
        rho = torch.linalg.eigvals(pn @ zn.T / lamda_inv).abs().max().item()
        est = taylor_spectral_radius(p, z, lamda_inv, generator=g).item()
        assert est == pytest.approx(rho, rel=0.02)


def test_radius_of_non_finite_embeddings_is_nan_not_a_crash():
    p = torch.randn(8, 4)
    p[3, 1] = float('nan')
    assert torch.isnan(taylor_spectral_radius(p, torch.randn(8, 4), 2.))
