"""MEC(compile=True): the fast path that compiles the compute-heavy modules
and the loss, outside the values that change every iteration (issue #6), and
the warning for MMEngine's compile=True, which compiles around them."""
import types

import pytest
import torch
from mmengine.logging import MessageHub
from mmpretrain.structures import DataSample

import mec_plugin  # noqa: F401 (registers)
from mec_plugin.registry import HOOKS, MODELS
from _tiny import tiny_mec_model

BATCH = 8


@pytest.mark.slow
@pytest.mark.timeout(600)  # 165 s on 2 shared cores: torch.compile of a ResNet
def test_the_compiled_model_trains_like_the_eager_one_without_recompiling():
    """MEC(compile=True): backbone, projector, teacher and loss compiled in
    place. In float64 (so that only real differences show), three steps whose
    1/lambda and EMA momentum change give the eager losses and weights, and
    nothing recompiles after the first step."""
    import torch._dynamo
    torch._dynamo.reset()
    g = torch.Generator().manual_seed(1)
    views = [torch.randn(BATCH, 3, 32, 32, dtype=torch.float64, generator=g) for _ in range(2)]
    samples = [DataSample() for _ in range(BATCH)]
    results = []
    for compile_ in (False, True):
        torch.manual_seed(0)
        MessageHub.get_current_instance().update_info('max_iters', 100)
        model = MODELS.build(dict(tiny_mec_model(), compile=compile_)).double()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model.train()
        losses = []
        for i in range(3):
            model.head.lamda_inv_factor = 8.0 - 2 * i  # the warm-up moves it every step
            with torch._dynamo.config.patch(error_on_recompile=compile_ and i > 0):
                loss = model.loss(views, samples)['loss']
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results.append((losses, {k: v.clone() for k, v in model.named_parameters()},
                        model.head.compile_loss, set(model.state_dict())))
    (eager_losses, eager_state, _, eager_keys), (compiled_losses, compiled_state, compiled_loss,
                                                  compiled_keys) = results
    assert compiled_loss  # compile=True also compiled the head's traces
    # names (and so checkpoints and the EMA's pairing) are unchanged
    assert compiled_keys == eager_keys
    # step 0 agrees to float64 rounding; the steps then amplify the compiled
    # kernels' different summation orders (1e-16) to ~1e-7 here, far below
    # what a wrong teacher or loss would give
    assert compiled_losses[0] == pytest.approx(eager_losses[0], rel=1e-12)
    assert compiled_losses == pytest.approx(eager_losses, rel=1e-6)
    # every parameter (student and EMA teacher), relative to its largest entry
    worst = max(((compiled_state[k] - v).abs().max() / v.abs().max().clamp_min(1e-12)).item()
                for k, v in eager_state.items())
    assert worst < 1e-6, worst


@pytest.mark.parametrize('compile_cfg,warned', [(True, True), (dict(mode='max-autotune'), True),
                                                ({}, True), (None, False), (False, False)])
def test_the_compile_check_hook_warns_about_compiling_train_step(compile_cfg, warned):
    from mmengine.config import Config
    messages = []
    runner = types.SimpleNamespace(
        model=MODELS.build(tiny_mec_model()), world_size=1,
        train_dataloader=types.SimpleNamespace(batch_size=8),
        cfg=Config(dict(compile=compile_cfg)),
        logger=types.SimpleNamespace(warning=messages.append))
    HOOKS.build(dict(type='MECCompileCheckHook')).before_train(runner)
    assert bool(messages) == warned
    if warned:
        assert 'model.compile=True' in messages[0] and 'recompiles' in messages[0]
