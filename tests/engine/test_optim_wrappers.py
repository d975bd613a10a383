"""BFloat16OptimWrapper: a bf16 autocast step with no loss scaler."""
import copy

import pytest
import torch
import torch.nn as nn

import mec_plugin  # noqa: F401 (registers)
from mec_plugin.registry import OPTIM_WRAPPERS


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))


def test_step_equals_a_manual_bf16_autocast_step():
    model, reference = _model(), _model()
    x = torch.randn(5, 8)
    wrapper = OPTIM_WRAPPERS.build(dict(
        type='BFloat16OptimWrapper', optimizer=torch.optim.SGD(model.parameters(), lr=0.1,
                                                               momentum=0.9),
        cpu_precision='bf16'))  # whatever this CPU has
    with wrapper.optim_context(model):
        out = model(x)
        assert out.dtype == torch.bfloat16  # the forward runs in bf16
        loss = out.float().square().mean()
    wrapper.update_params(loss)

    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        ref_loss = reference(x).float().square().mean()
    ref_loss.backward()
    optimizer.step()
    assert loss.item() == ref_loss.item()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.equal(p, q)
    # the step moved the parameters (a real update, not a no-op)
    assert not torch.equal(next(model.parameters()), next(_model().parameters()))


def test_resume_from_an_amp_optim_wrapper_state_drops_the_scaler():
    model = _model()
    wrapper = OPTIM_WRAPPERS.build(dict(
        type='BFloat16OptimWrapper', optimizer=torch.optim.SGD(model.parameters(), lr=0.1,
                                                               momentum=0.9)))
    with wrapper.optim_context(model):
        loss = model(torch.randn(3, 8)).float().sum()
    wrapper.update_params(loss)
    state = copy.deepcopy(wrapper.state_dict())
    amp_state = dict(state, loss_scaler={'scale': 65536.0, '_growth_tracker': 0})

    other = _model()
    restored = OPTIM_WRAPPERS.build(dict(
        type='BFloat16OptimWrapper', optimizer=torch.optim.SGD(other.parameters(), lr=0.1,
                                                               momentum=0.9)))
    restored.load_state_dict(amp_state)
    buffers = [s['momentum_buffer'] for s in restored.optimizer.state_dict()['state'].values()]
    expected = [s['momentum_buffer'] for s in state['state'].values()]
    assert len(buffers) == 4 and all(torch.equal(a, b) for a, b in zip(buffers, expected))


@pytest.mark.slow
def test_a_fused_sgd_step_trains_mec_like_the_default_step():
    """``optimizer.fused=True`` is valid for every MEC parameter (one device,
    floating point, some without gradients in a step: the teacher's are
    frozen) and gives the default step's parameters."""
    from mmengine.logging import MessageHub
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.structures import DataSample

    from _tiny import tiny_mec_model
    from mec_plugin.registry import MODELS
    MessageHub.get_current_instance().update_info('max_iters', 10)
    g = torch.Generator().manual_seed(3)
    views = [torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=g)
             for _ in range(2)]
    data = dict(inputs=views, data_samples=[DataSample() for _ in range(6)])
    params = {}
    for fused in (False, True):
        torch.manual_seed(0)
        model = MODELS.build(tiny_mec_model())
        start = {k: v.clone() for k, v in model.named_parameters()}
        wrapper = build_optim_wrapper(model, dict(type='OptimWrapper', optimizer=dict(
            type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-5, fused=fused)))
        for _ in range(3):
            model.train_step(data, wrapper)
        assert wrapper.optimizer.defaults['fused'] is fused
        params[fused] = dict(model.named_parameters())
    moved = 0
    for name, p in params[False].items():
        torch.testing.assert_close(params[True][name], p, rtol=1e-5, atol=1e-6, msg=name)
        moved += not torch.equal(p, start[name])
    assert moved > len(params[False]) // 2  # the steps updated the student
