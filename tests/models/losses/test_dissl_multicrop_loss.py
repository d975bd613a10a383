"""Multi-crop DISSL terms: an independent float64 numpy transcription with
explicit loops over the pairs, equality with the two-crop function, gradients
to the teacher, errors."""
import numpy as np
import pytest
import torch

from mec_plugin.models.losses import dissl_loss, dissl_loss_multicrop, dissl_terms_multicrop
from mec_plugin.models.losses.dissl_loss import dissl_terms


def _log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def numpy_multicrop(teacher, student, lam, beta, tau_t, tau_s):
    """VISSL's DstlISSLCriterion written out: running sums over the pairs and
    their counts, then one division each."""
    log_p = [_log_softmax(t / tau_t) for t in teacher]
    p = [np.exp(x) for x in log_p]
    log_q = [_log_softmax(s / tau_s) for s in student]
    ce_pq = ce_pp = h_m = 0.
    n_pq = n_pp = 0
    for i in range(len(p)):
        marginal = p[i].mean(axis=0)
        h_m += -np.sum(marginal * np.log(marginal))
        for j in range(len(log_p)):
            if j != i:
                ce_pp += np.mean(-np.sum(p[i] * log_p[j], axis=1))
                n_pp += 1
        for q in range(len(log_q)):
            if q != i:
                ce_pq += np.mean(-np.sum(p[i] * log_q[q], axis=1))
                n_pq += 1
    ce_pq, ce_pp, h_m = ce_pq / n_pq, ce_pp / n_pp, h_m / len(p)
    return ce_pq - lam * h_m + beta * ce_pp, dict(ce_pq=ce_pq, ce_pp=ce_pp, h_m=h_m)


def logits(n, batch=5, classes=7, seed=0, scale=2.):
    g = torch.Generator().manual_seed(seed)
    return [scale * torch.randn(batch, classes, generator=g, dtype=torch.float64) for _ in range(n)]


@pytest.mark.parametrize('num_local', [0, 1, 4, 6])
@pytest.mark.parametrize('lam,beta,tau_t,tau_s', [(2.3, 0.8, 0.5, 1.0), (1.7, 0.3, 0.3, 0.7)])
def test_equals_numpy_pair_loops(num_local, lam, beta, tau_t, tau_s):
    teacher = logits(2, seed=1)
    student = logits(2 + num_local, seed=2)
    loss, terms = dissl_loss_multicrop(teacher, student, lam, beta, tau_t, tau_s,
                                       return_terms=True)
    ref, ref_terms = numpy_multicrop([t.numpy() for t in teacher], [s.numpy() for s in student],
                                     lam, beta, tau_t, tau_s)
    assert loss.dtype == torch.float64
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-12, atol=1e-12)
    for k, v in ref_terms.items():
        np.testing.assert_allclose(terms[k].item(), v, rtol=1e-12, atol=1e-12)


def test_pairs_are_weighted_uniformly():
    # 2 globals + 4 locals: CE_pq is the mean of 10 pairs, i.e. the locals'
    # 8 pairs weigh 8/10, not 1/2 as a mean of (global pairs, local pairs) would give
    teacher, student = logits(2, seed=3), logits(6, seed=4)
    p = [torch.softmax(t / 0.5, 1) for t in teacher]
    lq = [torch.log_softmax(s, 1) for s in student]
    ce = {(i, q): -(p[i] * lq[q]).sum(1).mean() for i in range(2) for q in range(6) if q != i}
    assert len(ce) == 10
    terms = dissl_terms_multicrop(teacher, student)
    torch.testing.assert_close(terms['ce_pq'], sum(ce.values()) / 10)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_two_crops_are_bitwise_the_two_crop_function(dtype):
    t1, t2, s1, s2 = [x.to(dtype) for x in logits(4, batch=6, classes=11, seed=5)]
    multi = dissl_terms_multicrop([t1, t2], [s1, s2])
    two = dissl_terms(t1, t2, s1, s2)
    for k in two:
        assert torch.equal(multi[k], two[k]), k
    assert torch.equal(dissl_loss_multicrop([t1, t2], [s1, s2], 2.3, 0.6),
                       dissl_loss(t1, t2, s1, s2, 2.3, 0.6))


def test_hand_example_with_two_crops():
    # docs/methods/dissl.md "Test vectors", C = 4: loss -0.3752152597
    t = torch.tensor([[2., 0, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    s = torch.tensor([[1., 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]])
    loss = dissl_loss_multicrop(list(t.chunk(2)), list(s.chunk(2)))
    assert loss.item() == pytest.approx(-0.3752152597, abs=1e-6)


def test_gradients_reach_the_teacher_through_local_pairs():
    # lambda = beta = 0: only CE_pq; the teacher's gradient must include the
    # (global i, local q) pairs, not only the global-global ones
    teacher = [t.clone().requires_grad_() for t in logits(2, seed=6)]
    student = logits(5, seed=7)
    dissl_loss_multicrop(teacher, student, 0., 0.).backward()
    grad_all = [t.grad.clone() for t in teacher]
    assert all(g.abs().sum() > 0 for g in grad_all)
    for t in teacher:
        t.grad = None
    dissl_loss_multicrop(teacher, student[:2], 0., 0.).backward()
    assert not torch.allclose(grad_all[0], teacher[0].grad)


def test_gradcheck_float64():
    teacher = [t.requires_grad_() for t in logits(2, batch=2, classes=3, seed=8)]
    student = [s.requires_grad_() for s in logits(3, batch=2, classes=3, seed=9)]

    def f(*x):
        return dissl_loss_multicrop(x[:2], x[2:])

    assert torch.autograd.gradcheck(f, (*teacher, *student))


@pytest.mark.parametrize('teacher,student,match', [
    (1, 3, 'teacher_logits'), (2, 1, 'student_logits'), (3, 2, 'student_logits')])
def test_crop_counts_are_checked(teacher, student, match):
    with pytest.raises(ValueError, match=match):
        dissl_terms_multicrop(logits(teacher), logits(student))


def test_shapes_and_values_are_checked():
    t, s = logits(2), logits(3)
    with pytest.raises(ValueError, match='one shape'):
        dissl_terms_multicrop(t, s[:2] + [torch.zeros(5, 6, dtype=torch.float64)])
    with pytest.raises(ValueError, match='tau_student'):
        dissl_terms_multicrop(t, s, tau_student=0.)
    with pytest.raises(ValueError, match='lambda_'):
        dissl_loss_multicrop(t, s, lambda_=-1.)
