"""CISSL (and SimCLR-mode) loss: docs/methods/cissl.md test vectors, an independent
float64 computation, gradients, errors."""
import math

import numpy as np
import pytest
import torch

from mec_plugin.models.losses import cissl_loss
from mec_plugin.models.losses.cissl_loss import simclr_loss

TAU = 0.07


def reference_cissl(s1, s2, t1, t2, tau):
    """Row by row in numpy float64: row r of S against all rows of T, the
    two positives r (same crop) and r +- B (other crop), weight 1/2 each."""
    norm = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    s, t = norm(np.concatenate([s1, s2])), norm(np.concatenate([t1, t2]))
    n, b = s.shape[0], s1.shape[0]
    total = 0.
    for r in range(n):
        logits = np.array([s[r] @ t[c] / tau for c in range(n)])
        lse = np.log(np.sum(np.exp(logits - logits.max()))) + logits.max()
        other = (r + b) % n
        total += -0.5 * ((logits[r] - lse) + (logits[other] - lse))
    return total / n


def test_orthonormal_vector():
    e = torch.eye(2, dtype=torch.float64)
    expected = math.log(2) + math.log1p(math.exp(-1 / TAU))
    assert cissl_loss(e, e, e, e, TAU).item() == pytest.approx(0.6931478054, abs=1e-10)
    assert cissl_loss(e, e, e, e, TAU).item() == pytest.approx(expected, rel=1e-14)


def test_simclr_mode_vector():
    e = torch.eye(2, dtype=torch.float64)
    expected = math.log1p(2 * math.exp(-1 / TAU))
    assert simclr_loss(e, e, TAU).item() == pytest.approx(1.2497e-6, rel=1e-4)
    assert simclr_loss(e, e, TAU).item() == pytest.approx(expected, rel=1e-10)


def test_collapse_gives_log_2b():
    one = torch.ones(2, 3)
    assert cissl_loss(one, one, one, one).item() == pytest.approx(math.log(4), abs=1e-6)


def test_minimum_is_log_2():
    g = torch.Generator().manual_seed(0)
    x = [torch.randn(5, 8, generator=g, dtype=torch.float64) for _ in range(4)]
    assert cissl_loss(*x).item() > math.log(2)


@pytest.mark.parametrize('tau', [0.07, 0.5])
def test_equals_rowwise_float64_reference(tau):
    g = torch.Generator().manual_seed(1)
    x = [torch.randn(4, 6, generator=g, dtype=torch.float64) for _ in range(4)]
    ours = cissl_loss(*x, temperature=tau)
    assert ours.item() == pytest.approx(reference_cissl(*[v.numpy() for v in x], tau), rel=1e-12)


def test_same_heads_reduce_to_no_self_masking():
    # with one head CISSL keeps the (trivial) self column: it is not SimCLR
    g = torch.Generator().manual_seed(2)
    z1, z2 = torch.randn(3, 4, generator=g), torch.randn(3, 4, generator=g)
    assert cissl_loss(z1, z2, z1, z2).item() != pytest.approx(simclr_loss(z1, z2).item(), abs=1e-3)


def test_half_inputs_give_float32():
    g = torch.Generator().manual_seed(3)
    x = [torch.randn(4, 6, generator=g).half() for _ in range(4)]
    assert cissl_loss(*x).dtype == torch.float32 and simclr_loss(x[0], x[1]).dtype == torch.float32


def test_gradcheck_float64():
    g = torch.Generator().manual_seed(4)
    x = [torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(4)]
    assert torch.autograd.gradcheck(lambda *a: cissl_loss(*a, temperature=0.5), x)
    assert torch.autograd.gradcheck(lambda a, b: simclr_loss(a, b, 0.5), x[:2])


def test_gradient_reaches_student_and_teacher():
    g = torch.Generator().manual_seed(5)
    x = [torch.randn(3, 4, generator=g, requires_grad=True) for _ in range(4)]
    grads = torch.autograd.grad(cissl_loss(*x), x)
    assert all(gr.abs().sum() > 1e-4 for gr in grads)


@pytest.mark.parametrize('tau', [0., -0.1])
def test_bad_temperature_is_named(tau):
    z = torch.randn(2, 3)
    with pytest.raises(ValueError, match='temperature'):
        cissl_loss(z, z, z, z, temperature=tau)
    with pytest.raises(ValueError, match='temperature'):
        simclr_loss(z, z, temperature=tau)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r'\[B, d\]'):
        cissl_loss(torch.randn(2, 3), torch.randn(2, 3), torch.randn(3, 3), torch.randn(2, 3))
