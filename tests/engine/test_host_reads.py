"""The MEC training step reads no tensor back to the host (issue #6).

On a GPU every read of a device tensor (``.item()``, ``float(t)``, ``if t:``,
``.tolist()``, ``.cpu()``) waits for the queued kernels and stalls the step.
``torch.cuda.set_sync_debug_mode`` counts those on a GPU
(``benchmarks/train_step.py --sync-debug``); this test catches the
Python-level reads on the CPU, where CI runs, by wrapping the Tensor methods
that perform them and recording who called them.
"""
import os.path as osp
import traceback
import types

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

import mec_plugin  # noqa: F401 (registers)
from mec_plugin.registry import HOOKS, MODELS
from _tiny import mec_hooks, tiny_mec_model

READS = ('item', 'tolist', 'numpy', 'cpu', '__bool__', '__float__', '__int__', '__index__')
BATCH = 8


class HostReads:
    """Records each call of a host-reading Tensor method as 'file:line method'."""

    def __init__(self):
        self.calls = []

    def __enter__(self):
        self._saved = {name: getattr(torch.Tensor, name) for name in READS}
        for name, original in self._saved.items():
            setattr(torch.Tensor, name, self._wrap(name, original))
        return self

    def _wrap(self, name, original):
        calls = self.calls

        def read(tensor, *args, **kwargs):
            caller = traceback.extract_stack(limit=2)[0]
            calls.append(f'{osp.basename(caller.filename)}:{caller.lineno} {name}')
            return original(tensor, *args, **kwargs)
        return read

    def __exit__(self, *exc):
        for name, original in self._saved.items():
            setattr(torch.Tensor, name, original)


def _setup(mode, wrapper_type):
    torch.manual_seed(0)
    MessageHub.get_current_instance().update_info('max_iters', 100)
    model = MODELS.build(tiny_mec_model(mode=mode))
    optim_wrapper = build_optim_wrapper(model, dict(
        type=wrapper_type,
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-5)))
    # the hooks of a step, as the configs list them (MECCompileCheckHook acts before training only)
    hooks = [HOOKS.build(h) for h in mec_hooks(radius_interval=3, warmup_epochs=1)]
    runner = types.SimpleNamespace(
        model=model, optim_wrapper=optim_wrapper, iter=0, epoch=0, world_size=1,
        train_dataloader=range(10), message_hub=MessageHub.get_current_instance(),
        logger=MMLogger.get_current_instance())
    g = torch.Generator().manual_seed(1)
    views = [torch.randint(0, 256, (BATCH, 3, 32, 32), dtype=torch.uint8, generator=g)
             for _ in range(2)]
    data = dict(inputs=views, data_samples=[DataSample() for _ in range(BATCH)])
    model.train()

    def step(i):
        runner.iter = i
        for hook in hooks:
            hook.before_train_iter(runner, i, data)
        outputs = model.train_step(data, optim_wrapper)
        for hook in hooks:
            hook.after_train_iter(runner, i, data, outputs)
        return outputs
    return model, step


@pytest.mark.parametrize('mode', ['auto', 'batch', 'feature', 'exact'])
@pytest.mark.parametrize('wrapper_type', ['OptimWrapper', 'BFloat16OptimWrapper'])
@pytest.mark.slow  # a ResNet-50 step per case
def test_a_step_reads_nothing_back_and_the_radius_once_per_interval(mode, wrapper_type):
    model, step = _setup(mode, wrapper_type)
    step(0)  # the first step may read once (the EMA's step counter after a (re)load)
    before = [p.detach().clone() for p in model.backbone.parameters()]
    with HostReads() as reads:
        outputs = [step(1), step(2)]
    assert reads.calls == [], f'{mode}/{wrapper_type}: the step read {reads.calls}'
    # the steps did train (a read-free no-op would pass the check above)
    assert any(not torch.equal(p, q) for p, q in zip(before, model.backbone.parameters()))
    assert all(torch.isfinite(o['loss']) for o in outputs)

    with HostReads() as reads:
        step(3)  # radius_interval = 3: the guard hook estimates rho(C) and logs it
    if mode == 'exact':  # no Taylor series, no radius to watch
        assert reads.calls == []
    else:
        assert len(reads.calls) == 1 and reads.calls[0].startswith('mec_taylor_guard_hook.py'), \
            reads.calls
        radius = MessageHub.get_current_instance().get_scalar('train/taylor_radius').current()
        assert radius > 0


def test_the_detector_sees_a_read():
    with HostReads() as reads:
        value = float(torch.ones(()) * 2)
        if torch.tensor(True):
            value += torch.ones(()).item()
    assert value == 3.0
    assert [c.split(' ')[1] for c in reads.calls] == ['__float__', '__bool__', 'item']
