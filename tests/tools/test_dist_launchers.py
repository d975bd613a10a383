"""tools/dist_train.sh on a machine without GPUs (gloo, CPU DDP, SyncBN reverted),
and the launchers' choice of interpreter."""
import glob
import os
import shutil
import socket
import subprocess

import pytest

from engine.test_mec_training import make_image_folder, tiny_cfg

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow  # two training processes
def test_dist_train_runs_two_cpu_processes(tmp_path):
    data = make_image_folder(str(tmp_path / 'imgs'), classes=2, per_class=2)
    cfg = tiny_cfg(data, str(tmp_path / 'unused'), max_epochs=1, warmup_epochs=0)
    # what blocked a CPU run: nccl, SyncBN in the 2-d backbone and the 1-d projector
    cfg.env_cfg = dict(dist_cfg=dict(backend='nccl', timeout=120))
    for part in (cfg.model.backbone, cfg.model.neck, cfg.model.head.predictor):
        part.norm_cfg = dict(type='SyncBN')
    cfg.train_dataloader.batch_size = 2  # 2 images per rank, one step
    cfg.log_level = 'INFO'
    config = str(tmp_path / 'tiny_syncbn.py')
    cfg.dump(config)
    work = str(tmp_path / 'work')
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PORT=str(_free_port()), OMP_NUM_THREADS='1')
    res = subprocess.run(['bash', 'tools/dist_train.sh', config, '2', '--work-dir', work],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    assert "no CUDA device: the distributed backend is gloo, not 'nccl'" in out
    log = open(glob.glob(os.path.join(work, '*', '*.log'))[0]).read()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log  # = world size
    assert 'SyncBN layers reverted to per-process BatchNorm' in log
    assert os.path.isfile(os.path.join(work, 'epoch_1.pth'))


def _fake_repo(tmp_path, venv: bool):
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, 'tools', 'find_python.sh'), repo / 'tools')
    if venv:
        (repo / '.venv' / 'bin').mkdir(parents=True)
        (repo / '.venv' / 'bin' / 'python').write_text('#!/bin/sh\n')
        os.chmod(repo / '.venv' / 'bin' / 'python', 0o755)
    return repo


def _which_python(repo, path, python=None):
    env = dict(PATH=path)
    if python:
        env['PYTHON'] = python
    return subprocess.run(['/bin/bash', '-c', f'source {repo}/tools/find_python.sh && '
                           'echo "$PYTHON"'], env=env, capture_output=True, text=True)


def test_launchers_use_the_venv_or_say_what_is_missing(tmp_path):
    bash_only = tmp_path / 'bin'
    bash_only.mkdir()
    for tool in ('dirname', 'bash'):
        os.symlink(shutil.which(tool), bash_only / tool)
    with_python = tmp_path / 'bin_py'
    shutil.copytree(bash_only, with_python, symlinks=True)
    (with_python / 'python').write_text('#!/bin/sh\n')
    os.chmod(with_python / 'python', 0o755)

    repo = _fake_repo(tmp_path, venv=True)
    res = _which_python(repo, str(with_python))
    assert res.stdout.strip() == f'{repo}/.venv/bin/python' and res.stderr == ''
    assert _which_python(repo, str(with_python), python='/x/py').stdout.strip() == '/x/py'
    shutil.rmtree(repo / '.venv')
    res = _which_python(repo, str(with_python))
    assert res.stdout.strip() == 'python' and f'no {repo}/.venv' in res.stderr
    res = _which_python(repo, str(bash_only))
    assert res.returncode == 2 and 'no python on PATH: run tools/install.sh' in res.stderr


@pytest.mark.parametrize('script', ['dist_train.sh', 'dist_test.sh', 'slurm_train.sh',
                                    'slurm_test.sh'])
def test_launchers_run_the_chosen_python(script):
    text = open(os.path.join(ROOT, 'tools', script)).read()
    assert 'source "$(dirname "$0")/find_python.sh"' in text
    assert '"$PYTHON" -' in text and '\npython ' not in text and ' python -u' not in text
