"""MoCo's InfoNCE over a queue (docs/methods/moco_small.md)."""
import math

import pytest
import torch
import torch.nn.functional as F

from mec_plugin.models.losses import moco_infonce_loss, moco_logits
from mec_plugin.registry import MODELS


def unit_rows(n, d, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(n, d, generator=g, dtype=dtype), dim=1)


def reference_loss(q, k, queue, t):
    """Independent float64 form: mean_i log(1 + sum_j exp((q_i.u_j - q_i.k_i) / T))."""
    q, k, queue = q.double(), k.double(), queue.double()
    total = 0.
    for i in range(q.shape[0]):
        pos = float(q[i] @ k[i])
        neg = [float(q[i] @ u) for u in queue]
        total += math.log(1. + sum(math.exp((s - pos) / t) for s in neg))
    return total / q.shape[0]


def test_metrics_vector_orthogonal_queue():
    # q = k and every queue row orthogonal to q: log(1 + K e^{-1/T})
    K, T = 65536, 0.1
    q = torch.zeros(2, 4, dtype=torch.float64)
    q[0, 0] = 1.
    q[1, 1] = 1.
    queue = torch.zeros(K, 4, dtype=torch.float64)
    queue[: K // 2, 2] = 1.
    queue[K // 2:, 3] = 1.
    loss = moco_infonce_loss(q, q, queue, temperature=T)
    assert loss.dtype == torch.float64
    assert loss.item() == pytest.approx(1.3801077124, abs=1e-10)
    assert loss.item() == pytest.approx(math.log(1 + K * math.exp(-1 / T)), rel=1e-14)


@pytest.mark.parametrize('t', [0.1, 0.2, 1.0])
def test_equals_independent_float64_computation(t):
    q, k, queue = unit_rows(5, 8, 0), unit_rows(5, 8, 1), unit_rows(12, 8, 2)
    assert moco_infonce_loss(q, k, queue, t).item() == pytest.approx(
        reference_loss(q, k, queue, t), rel=1e-12)
    # float32 inputs give float32 within float32 precision
    loss32 = moco_infonce_loss(q.float(), k.float(), queue.float(), t)
    assert loss32.dtype == torch.float32
    assert loss32.item() == pytest.approx(reference_loss(q, k, queue, t), rel=1e-5)


def test_logits_layout_positive_first():
    q, k, queue = unit_rows(3, 4, 3), unit_rows(3, 4, 4), unit_rows(6, 4, 5)
    logits = moco_logits(q, k, queue, 0.5)
    assert logits.shape == (3, 7)
    torch.testing.assert_close(logits[:, 0], (q * k).sum(1) / 0.5)
    torch.testing.assert_close(logits[:, 1:], q @ queue.t() / 0.5)


def test_half_precision_inputs_give_float32_logits():
    q, k, queue = (x.half() for x in (unit_rows(4, 8, 6), unit_rows(4, 8, 7), unit_rows(16, 8, 8)))
    assert moco_logits(q, k, queue, 0.1).dtype == torch.float32
    assert moco_infonce_loss(q, k, queue, 0.1).dtype == torch.float32
    with torch.autocast('cpu', dtype=torch.bfloat16):  # matmuls would be bfloat16 here
        assert moco_infonce_loss(q.float(), k.float(), queue.float()).dtype == torch.float32


def test_gradcheck_and_no_gradient_into_keys_or_queue():
    q = unit_rows(3, 5, 9).requires_grad_()
    k = unit_rows(3, 5, 10).requires_grad_()
    queue = unit_rows(7, 5, 11).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: moco_infonce_loss(x, k, queue, 0.2), (q, ))
    moco_infonce_loss(q, k, queue, 0.2).backward()
    assert q.grad is not None and q.grad.abs().sum() > 0
    assert k.grad is None and queue.grad is None


def test_analytic_gradient():
    # dL/dq_i = (sum_j p_ij u_j - (1 - p_i0) k_i) / (N T), p = softmax(logits)
    q, k, queue, t = unit_rows(4, 6, 12), unit_rows(4, 6, 13), unit_rows(9, 6, 14), 0.3
    q.requires_grad_()
    moco_infonce_loss(q, k, queue, t).backward()
    with torch.no_grad():
        p = torch.softmax(torch.cat([(q * k).sum(1, keepdim=True), q @ queue.t()], 1) / t, 1)
        expected = (p[:, 1:] @ queue - (1 - p[:, :1]) * k) / (q.shape[0] * t)
    torch.testing.assert_close(q.grad, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('kwargs,match', [
    (dict(temperature=0.), 'temperature'),
    (dict(temperature=-0.1), 'temperature'),
])
def test_bad_temperature(kwargs, match):
    q = unit_rows(2, 3, 0)
    with pytest.raises(ValueError, match=match):
        moco_infonce_loss(q, q, unit_rows(4, 3, 1), **kwargs)
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='MoCoInfoNCEHead', **kwargs))


def test_bad_shapes():
    q = unit_rows(2, 3, 0)
    with pytest.raises(ValueError, match='same shape'):
        moco_infonce_loss(q, unit_rows(3, 3, 1), unit_rows(4, 3, 2))
    with pytest.raises(ValueError, match=r'queue must be \[K, dim\]'):
        moco_infonce_loss(q, q, unit_rows(3, 4, 2))  # dim x K by mistake


def test_head_returns_loss_and_contrast_accuracy():
    head = MODELS.build(dict(type='MoCoInfoNCEHead', temperature=0.1))
    q = unit_rows(4, 8, 20).float()
    queue = unit_rows(32, 8, 21).float()
    out = head.loss(q, q, queue)
    torch.testing.assert_close(out['loss'], moco_infonce_loss(q, q, queue, 0.1))
    # q . q = 1 beats every other unit vector unless one coincides
    assert out['contrast_acc'].item() == 1.0
    out = head.loss(q, -q, queue)
    assert out['contrast_acc'].item() == 0.0
