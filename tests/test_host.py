"""Host detection (mec_plugin/host.py) in the main, mmpretrain environment.

The MMSelfSup 1.x host is tested in its own environment: tests_mmselfsup/.
"""
import importlib.util

import pytest

import mec_plugin
from mec_plugin import host


def test_main_environment_host_is_mmpretrain_with_its_classes():
    import mmpretrain.registry as registry
    from mmpretrain.models.necks import NonLinearNeck
    from mmpretrain.models.selfsup import BaseSelfSupervisor
    from mmpretrain.models.utils import CosineEMA
    from mmpretrain.structures import DataSample
    assert host.HOST == 'mmpretrain'
    assert (host.BaseSelfSupervisor, host.DataSample, host.NonLinearNeck, host.CosineEMA) == (
        BaseSelfSupervisor, DataSample, NonLinearNeck, CosineEMA)
    assert mec_plugin.registry.MODELS is registry.MODELS and host.HOOKS is registry.HOOKS
    assert registry.MODELS.get('MEC') is mec_plugin.MEC
    assert issubclass(mec_plugin.MEC, BaseSelfSupervisor)
    # all methods, as before the MMSelfSup host existed
    for name in ('DISSL', 'CISSL', 'MoCoSmall', 'CMC', 'CMCAlexNet', 'DISSLHead'):
        assert registry.MODELS.get(name) is getattr(mec_plugin, name)
    assert registry.HOOKS.get('KNNMonitorHook') is mec_plugin.KNNMonitorHook
    assert registry.METRICS.get('KNNAccuracy') is mec_plugin.KNNAccuracy


@pytest.mark.parametrize('installed,expected', [
    ({'mmpretrain', 'mmselfsup'}, 'mmpretrain'),  # both: mmpretrain users see no change
    ({'mmpretrain'}, 'mmpretrain'),
    ({'mmselfsup'}, 'mmselfsup'),
])
def test_detect_host_prefers_mmpretrain(monkeypatch, installed, expected):
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: object() if name in installed else None)
    assert host.detect_host() == expected


def test_no_host_is_a_clear_import_error(monkeypatch):
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name, *a: None)
    with pytest.raises(ImportError, match=r'install mmpretrain 1\.x .* or, .* mmselfsup 1\.x'):
        host.detect_host()
