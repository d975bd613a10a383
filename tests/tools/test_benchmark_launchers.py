"""The benchmark launchers parse, and refuse bad arguments before any work."""
import os
import os.path as osp
import subprocess

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SCRIPTS = ['prepare.sh', 'train.sh', 'dist_train.sh', 'slurm_train.sh']


@pytest.mark.parametrize('script', SCRIPTS)
def test_launcher_is_valid_bash(script):
    result = subprocess.run(['bash', '-n', osp.join(ROOT, 'tools/benchmarks', script)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_train_refuses_missing_checkpoint_and_foreign_config(tmp_path):
    train = osp.join(ROOT, 'tools/benchmarks/train.sh')
    cfg = 'configs/benchmarks/mmdetection/coco/mask-rcnn_r50_fpn_ms-1x_coco.py'
    result = subprocess.run(['bash', train, cfg, str(tmp_path / 'nope.pth')], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and 'no such checkpoint' in result.stderr
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    result = subprocess.run(['bash', train, 'configs/mec_r50_8xb64_100e.py', str(ckpt)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and 'not under configs/benchmarks' in result.stderr


@pytest.mark.slow  # the launcher end to end in a fresh environment
def test_train_in_the_core_environment_stops_with_one_line_naming_the_fix(tmp_path):
    """mmcv-lite has no mmcv._ext: a sitecustomize that blocks it stands in for one."""
    site = tmp_path / 'site'
    site.mkdir()
    (site / 'sitecustomize.py').write_text("import sys\nsys.modules['mmcv._ext'] = None\n")
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    env = {**os.environ, 'PYTHONPATH': str(site), 'WORK_DIR': str(tmp_path / 'work')}
    cfg = 'configs/benchmarks/mmsegmentation/voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'
    result = subprocess.run(['bash', osp.join(ROOT, 'tools/benchmarks/train.sh'), cfg, str(ckpt)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('the mmseg benchmarks need mmcv built with its ops'), last
    assert 'run `bash tools/install.sh --ops`' in last
    assert not (tmp_path / 'work' / 'backbone_student.pth').exists()  # stopped before any work
