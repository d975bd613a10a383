import pytest
import torch

import mec_plugin  # noqa: F401
from _reference import np_trace_series
from mec_plugin.models.heads import MECHead
from mec_plugin.registry import MODELS


def build_head(**kwargs):
    cfg = dict(type='MECHead',
               predictor=dict(type='NonLinearNeck', in_channels=12, hid_channels=6,
                              out_channels=12, with_avg_pool=False, with_last_bn=False,
                              with_last_bias=True, norm_cfg=dict(type='BN1d')))
    cfg.update(kwargs)
    return MODELS.build(cfg)


@pytest.mark.parametrize('factor', [1.0, 8.0])
def test_head_loss_is_the_official_symmetric_objective(factor):
    head = build_head(eps_square=64., taylor_order=4)
    head.lamda_inv_factor = factor
    z1, z2, p1, p2 = (torch.randn(10, 12) for _ in range(4))
    out = head.loss(z1, z2, p1, p2)
    with torch.no_grad():
        q1, q2 = head.predictor([z1])[0], head.predictor([z2])[0]
    m, d = 10, 12
    lamda_inv = factor * m * 64. / d
    t12 = np_trace_series(p1.double().numpy(), q2.double().numpy(), lamda_inv, 4)
    t21 = np_trace_series(p2.double().numpy(), q1.double().numpy(), lamda_inv, 4)
    assert out['loss'].item() == pytest.approx(-lamda_inv * (t12 + t21) / (2 * m), rel=1e-5)
    assert out['coding_length'].item() == pytest.approx((m + d) / 2 * (t12 + t21) / (2 * m),
                                                       rel=1e-5)
    assert out['lamda_inv'].item() == pytest.approx(lamda_inv)
    terms = [out[f'taylor_{k}'].item() for k in range(1, 5)]
    assert sum(terms) == pytest.approx(t12, rel=1e-5)


def test_gradients_reach_the_predictor_not_the_teacher():
    head = build_head()
    z1, z2 = torch.randn(8, 12, requires_grad=True), torch.randn(8, 12, requires_grad=True)
    p1, p2 = torch.randn(8, 12, requires_grad=True), torch.randn(8, 12, requires_grad=True)
    head.loss(z1, z2, p1, p2)['loss'].backward()
    assert z1.grad is not None and z1.grad.abs().sum() > 0
    assert p1.grad is None and p2.grad is None
    assert all(p.grad is not None for p in head.predictor.parameters())


def test_exact_mode_logs_no_taylor_terms_and_matches_logdet():
    head = build_head(mode='exact')
    z1, z2, p1, p2 = (torch.randn(6, 12) for _ in range(4))
    out = head.loss(z1, z2, p1, p2)
    assert not any(k.startswith('taylor_') for k in out)
    assert torch.isfinite(out['loss'])


def test_radius_is_estimated_only_when_asked():
    head = build_head()
    z = [torch.randn(8, 12) for _ in range(4)]
    head.loss(*z)
    assert head.last_radius is None
    head.estimate_radius = True
    head.loss(*z)
    assert head.last_radius is not None and head.last_radius.item() > 0
    assert head.estimate_radius is False


@pytest.mark.slow  # torch.compile
def test_compiled_loss_equals_eager_and_does_not_recompile_as_lambda_warms_up():
    """compile_loss=True: the same loss, Taylor terms and gradients as the
    eager head, and one compiled graph for every 1/lambda of the warm-up."""
    import torch._dynamo
    torch._dynamo.reset()
    torch.manual_seed(0)
    eager, compiled = build_head(taylor_order=5), build_head(taylor_order=5, compile_loss=True)
    compiled.load_state_dict(eager.state_dict())
    z1, z2, p1, p2 = (torch.randn(10, 12) for _ in range(4))
    for i, factor in enumerate((8.0, 5.5, 1.0)):  # the warm-up moves 1/lambda every step
        grads = []
        for head in (eager, compiled):
            head.lamda_inv_factor = factor
            head.zero_grad()
            with torch._dynamo.config.patch(error_on_recompile=i > 0):
                out = head.loss(z1, z2, p1, p2)
            out['loss'].backward()
            grads.append([p.grad.clone() for p in head.predictor.parameters()])
            if head is eager:
                ref = out
        for key in ('loss', 'coding_length', 'lamda_inv', *(f'taylor_{k}' for k in range(1, 6))):
            torch.testing.assert_close(out[key], ref[key], rtol=1e-5, atol=1e-7, msg=key)
        for g_compiled, g_eager in zip(grads[1], grads[0]):
            torch.testing.assert_close(g_compiled, g_eager, rtol=1e-4, atol=1e-7)
    assert compiled._compiled_traces is not None


# mode, taylor_order and eps_square: the loss module's check, which the head runs at build
# (tests/models/losses/test_mec_loss.py; through a config: tests/test_errors.py)
def test_bad_head_config_names_the_field():
    with pytest.raises(ValueError, match='compile_loss'):
        build_head(mode='exact', compile_loss=True)


def test_head_is_registered_under_both_names():
    assert MODELS.get('MECHead') is MECHead
    assert mec_plugin.MECHead is MECHead
