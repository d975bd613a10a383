import itertools
import os

import pytest
import torch

# Two CPU threads per test process keeps the suite predictable on CI's 2 cores;
# the test command's workers (pytest-xdist, one per core) set OMP_NUM_THREADS=1,
# which torch has already followed.
if not os.environ.get('OMP_NUM_THREADS'):
    torch.set_num_threads(min(2, os.cpu_count() or 1))


def pytest_collection_modifyitems(items):
    """The longest tests first: the end-to-end ones (a few minutes each) then
    overlap the many short ones on the other worker instead of running alone
    at the end. Longest by their own timeout mark; stable otherwise."""
    def budget(item):
        mark = item.get_closest_marker('timeout')
        slow = item.get_closest_marker('slow') is not None
        return -(mark.args[0] if mark and mark.args else 0) - slow

    items.sort(key=budget)


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


_runner_ids = itertools.count()


@pytest.fixture(autouse=True)
def _unique_runner_names(monkeypatch):
    # MMEngine names a Runner's logger, message hub and visualizer after its
    # config file and the second it started, and hands a second Runner of the
    # same name the first one's: its logs and vis_data land in the first work
    # dir. Tests start several Runners a second, so each gets its own name.
    from mmengine.runner import Runner
    init = Runner.__init__

    def named_init(self, *args, experiment_name=None, **kwargs):
        if experiment_name is None:
            experiment_name = f'test_runner_{next(_runner_ids)}'
        init(self, *args, experiment_name=experiment_name, **kwargs)

    monkeypatch.setattr(Runner, '__init__', named_init)
