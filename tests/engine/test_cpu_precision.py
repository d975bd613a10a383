"""BFloat16OptimWrapper on the CPU: bfloat16 autocast where the CPU has it natively, float32
elsewhere (the capability mocked both ways), either forced by cpu_precision, one log line."""
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MMLogger

import mec_plugin  # noqa: F401 (registers)
from mec_plugin.engine import optim_wrappers
from mec_plugin.registry import OPTIM_WRAPPERS


def _wrapper(**kwargs):
    torch.manual_seed(0)
    model = nn.Linear(8, 4)
    wrapper = OPTIM_WRAPPERS.build(dict(type='BFloat16OptimWrapper',
                                        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                                        **kwargs))
    return model, wrapper


def _forward_dtype(model, wrapper):
    with wrapper.optim_context(model):
        return model(torch.randn(3, 8)).dtype


@pytest.fixture
def log_lines(monkeypatch):
    lines = []
    logger = MMLogger.get_instance('cpu_precision_test')
    monkeypatch.setattr(logger, 'info', lambda msg, *a, **k: lines.append(msg))
    monkeypatch.setattr(MMLogger, 'get_current_instance', classmethod(lambda cls: logger))
    return lines


@pytest.mark.parametrize('feature, dtype', [('AMX', torch.bfloat16),
                                            ('AVX512-BF16', torch.bfloat16),
                                            (None, torch.float32)])
def test_auto_follows_the_cpu(feature, dtype, monkeypatch, log_lines):
    monkeypatch.setattr(optim_wrappers, 'native_cpu_bf16', lambda: feature)
    model, wrapper = _wrapper()
    assert _forward_dtype(model, wrapper) == dtype
    assert _forward_dtype(model, wrapper) == dtype
    assert len(log_lines) == 1  # decided and said once
    if feature:
        assert f'bfloat16 autocast ({feature}: native bfloat16)' in log_lines[0]
    else:
        assert 'CPU: float32 (no native bfloat16' in log_lines[0]
        assert "cpu_precision='bf16'" in log_lines[0]


@pytest.mark.parametrize('forced, feature, dtype', [('bf16', None, torch.bfloat16),
                                                    ('fp32', 'AMX', torch.float32)])
def test_forced_precision_ignores_the_cpu(forced, feature, dtype, monkeypatch, log_lines):
    monkeypatch.setattr(optim_wrappers, 'native_cpu_bf16', lambda: feature)
    model, wrapper = _wrapper(cpu_precision=forced)
    assert _forward_dtype(model, wrapper) == dtype
    assert f"(cpu_precision='{forced}')" in log_lines[0]


def test_float32_step_equals_a_plain_step(monkeypatch):
    monkeypatch.setattr(optim_wrappers, 'native_cpu_bf16', lambda: None)
    model, wrapper = _wrapper()
    torch.manual_seed(0)
    reference = nn.Linear(8, 4)
    opt = torch.optim.SGD(reference.parameters(), lr=0.1)
    x = torch.randn(5, 8)
    with wrapper.optim_context(model):
        loss = model(x).square().mean()
    wrapper.update_params(loss)
    reference(x).square().mean().backward()
    opt.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.equal(p, q)


def test_bad_precision_is_named():
    with pytest.raises(ValueError, match="cpu_precision must be one of .* got 'half'"):
        _wrapper(cpu_precision='half')


def test_native_cpu_bf16_reads_torchs_cpu_features(monkeypatch):
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: False)
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported', lambda: True)
    assert optim_wrappers.native_cpu_bf16() == 'AVX512-BF16'
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: True)
    assert optim_wrappers.native_cpu_bf16() == 'AMX'
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported', lambda: False)
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: False)
    assert optim_wrappers.native_cpu_bf16() is None
