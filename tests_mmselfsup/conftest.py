"""Tests of the MMSelfSup 1.x host, run only in `.venv-mmselfsup` (tools/run_tests.sh).

The main suite never collects this directory (pytest.ini: testpaths = tests);
here mmpretrain must be absent, so the plugin picks MMSelfSup as its host.
"""
import os

import pytest
import torch

torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _mmselfsup_scope():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmselfsup'):
        yield
