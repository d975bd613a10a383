import os

import pytest
import torch

# Two CPU threads per test process keeps the suite predictable on CI's 2 cores.
torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _mmpretrain_scope():
    # A Runner leaves its default scope behind (mmdet's, after a detection
    # test); each test starts in mmpretrain's, as the plugin's configs do.
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
