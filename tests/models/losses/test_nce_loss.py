"""CMC's NCE and softmax criteria: docs/methods/cmc.md test vectors, float64 checks, gradients."""
import math

import pytest
import torch

from mec_plugin.models.losses import (momentum_memory_update, nce_loss, nce_partition_estimate,
                                      nce_softmax_loss)


def _first_batch_x(k, n, batch=3):
    """Every score 0: exp(0) = 1, Z = mean(1) * N = N, so every x = 1/N = Pn."""
    e = torch.ones(batch, k + 1, dtype=torch.float64)
    z = nce_partition_estimate(e, n)
    assert float(z) == n
    return e / z


@pytest.mark.parametrize('k, n, with_eps, eps_free', [
    (4, 100, 2.5020221177, 2.5020121177),
    (4096, 1281167, 9.4460029240, 9.3178882271),
    (16384, 1281167, 10.8322072439, 10.7040910448),
])
def test_first_batch_vectors(k, n, with_eps, eps_free):
    x = _first_batch_x(k, n)
    assert float(nce_loss(x, n)) == pytest.approx(with_eps, abs=1e-9)
    assert float(nce_loss(x, n, eps=0.)) == pytest.approx(eps_free, abs=1e-9)
    # eps-free closed form F(K) = log(K+1) + K log(1 + 1/K)
    assert eps_free == pytest.approx(math.log(k + 1) + k * math.log1p(1 / k), abs=1e-9)


def _nce_float64_reference(x, n, eps):
    """Per-element loops, log1p form: -log D1 = log1p((K/N + eps)/x0),
    -log D0 = log(x_j + K/N + eps) - log(K/N)."""
    b, k1 = x.shape
    c = (k1 - 1) / n
    total = 0.
    for i in range(b):
        total += math.log1p((c + eps) / float(x[i, 0]))
        for j in range(1, k1):
            total += math.log(float(x[i, j]) + c + eps) - math.log(c)
    return total / b


def test_nce_matches_an_independent_float64_computation():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(5, 8, generator=g, dtype=torch.float64) * 0.3 + 1e-3
    for n, eps in ((20, 1e-7), (1000, 0.), (7, 0.01)):
        assert float(nce_loss(x, n, eps)) == pytest.approx(_nce_float64_reference(x, n, eps),
                                                           rel=1e-12)


def test_nce_gradcheck():
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(3, 6, generator=g, dtype=torch.float64) + 0.05).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: nce_loss(t, 50), (x, ))


def test_nce_positive_gradient_sign():
    # raising the positive's score lowers the loss; raising a noise score raises it
    x = torch.full((1, 5), 0.1, dtype=torch.float64, requires_grad=True)
    nce_loss(x, 10).backward()
    assert x.grad[0, 0] < 0 and (x.grad[0, 1:] > 0).all()


def test_softmax_vector():
    k, t = 4096, 0.07
    scores = torch.zeros(2, k + 1, dtype=torch.float64)
    scores[:, 0] = 1.  # positive cosine 1, negatives cosine 0
    assert float(nce_softmax_loss(scores, t)) == pytest.approx(0.0025562179, abs=1e-10)
    assert float(nce_softmax_loss(scores, t)) == pytest.approx(math.log1p(k * math.exp(-1 / t)))


def test_softmax_float64_reference_and_gradcheck():
    g = torch.Generator().manual_seed(2)
    s = torch.randn(4, 7, generator=g, dtype=torch.float64)
    t = 0.2
    ref = sum(-float(s[i, 0]) / t + math.log(sum(math.exp(float(v) / t) for v in s[i]))
              for i in range(4)) / 4
    assert float(nce_softmax_loss(s, t)) == pytest.approx(ref, rel=1e-12)
    assert torch.autograd.gradcheck(lambda a: nce_softmax_loss(a, t), (s.clone().requires_grad_(), ))


def test_memory_update_vector():
    old = torch.tensor([[1., 0.]], dtype=torch.float64)
    new = torch.tensor([[0., 1.]], dtype=torch.float64)
    out = momentum_memory_update(old, new, 0.5)
    torch.testing.assert_close(out, torch.tensor([[0.70710678, 0.70710678]], dtype=torch.float64))
    # m = 1 keeps the (normalised) old row, m = 0 takes the new one
    torch.testing.assert_close(momentum_memory_update(2 * old, new, 1.), old)
    torch.testing.assert_close(momentum_memory_update(old, 3 * new, 0.), new)


@pytest.mark.parametrize('call, match', [
    (lambda: nce_loss(torch.ones(2, 3), 0), 'n_data'),
    (lambda: nce_loss(torch.ones(2, 3), 10.5), 'n_data'),
    (lambda: nce_loss(torch.ones(2, 1), 10), r'K\+1'),
    (lambda: nce_loss(torch.ones(3), 10), r'K\+1'),
    (lambda: nce_loss(torch.ones(2, 3), 10, eps=-1.), 'eps'),
    (lambda: nce_softmax_loss(torch.ones(2, 3), 0.), 'temperature'),
    (lambda: momentum_memory_update(torch.ones(1, 2), torch.ones(1, 2), 1.5), 'momentum'),
    (lambda: nce_partition_estimate(torch.ones(1, 2), 0), 'n_data'),
])
def test_bad_values_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
