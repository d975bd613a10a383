"""benchmarks/profile_step.py: exclusive region times that add up, on tiny data."""
import json
import os.path as osp
import sys
import time

import pytest
from _fashion_mnist import tiny_fashion_mnist

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'benchmarks'))
import profile_step  # noqa: E402


class _Work:
    def outer(self):
        time.sleep(0.02)
        self.inner()
        self.inner()

    def inner(self):
        time.sleep(0.01)


def test_region_clock_counts_nested_regions_once():
    """An outer region's time excludes what its nested regions took, so the
    regions add up to the wall time of the outermost call."""
    work = _Work()
    clock = profile_step.RegionClock()
    clock.wrap(work, 'outer', 'outer')
    clock.wrap(work, 'inner', 'inner')
    work.outer()  # disabled: passes through, counts nothing
    assert dict(clock.totals) == {}
    clock.enabled = True
    start = time.perf_counter()
    work.outer()
    wall = time.perf_counter() - start
    assert clock.totals['inner'] >= 0.02
    assert 0.02 <= clock.totals['outer'] < 0.02 + 0.015
    assert sum(clock.totals.values()) == pytest.approx(wall, abs=2e-3)


@pytest.mark.slow
def test_profile_of_the_main_job_on_tiny_data(tmp_path):
    """The main job's config, 16-image batches of a generated Fashion-MNIST:
    every part of the step is timed, nothing twice, and the JSON says so."""
    root = tiny_fashion_mnist(tmp_path / 'fmnist', num=120, with_train=True)
    out = tmp_path / 'profile.json'
    record = profile_step.main([
        '--data-root', root, '--iters', '3', '--skip', '1', '--threads', '1',
        '--torch-profile', '5', '--profile-iters', '2', '--out', str(out),
        '--cfg-options', 'train_dataloader.batch_size=16'])
    assert json.loads(out.read_text()) == json.loads(json.dumps(record))
    runner = record['runner']
    ms = runner['ms_per_iter']
    for region in ('data loader', 'views (data preprocessor)', 'student backbone forward',
                   'teacher forward', 'teacher EMA update', 'head: predictor + loss',
                   'backward', 'optimizer step', 'hooks'):
        assert ms[region] > 0, region
    # exclusive times: what no region claimed is not negative, and all of them
    # together are the iterations' wall time
    assert ms['Runner loop, rest'] >= 0
    assert sum(ms.values()) == pytest.approx(1e3 * runner['wall_s'] / runner['iters'])
    assert runner['images_per_s'] == pytest.approx(16 * runner['iters'] / runner['wall_s'])
    assert runner['iters'] == 3 and record['plain']['iters'] == 3
    assert 0 < runner['median_iter_s'] <= runner['wall_s']
    # one plain iteration after each timed Runner iteration
    assert 0 < record['plain']['median_iter_s'] <= record['plain']['wall_s']
    assert record['runner_over_plain'] == pytest.approx(
        record['plain']['median_iter_s'] / runner['median_iter_s'])
    assert len(runner['top_ops_ms_per_iter']) == 5 and runner['profiled_iters'] == 2
    assert record['precision'] == 'auto' and record['threads'] == 1
    assert set(record['cpu']) == {'model', 'features', 'native_bf16'}


def test_skip_must_leave_a_warm_up_iteration(tmp_path):
    with pytest.raises(SystemExit, match='--skip must be >= 1'):
        profile_step.main(['--skip', '0', '--data-root', str(tmp_path)])
