"""The benchmark launchers parse, and refuse bad arguments before any work."""
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
