"""tools/train.py keeps an earlier run's checkpoints: a fresh run moves them
aside, --resume in a copied work dir resumes from the copy's own file."""
import os
import shutil

import pytest
import torch

from _scripts import load_tool
from engine.test_mec_training import make_image_folder, tiny_cfg
from mec_plugin.utils.work_dir import (previous_checkpoints, resolve_last_checkpoint,
                                       set_aside_checkpoints)

train = load_tool('tools/train.py')


def test_set_aside_moves_only_checkpoints(tmp_path):
    for name in ('epoch_1.pth', 'iter_40.pth', 'best_acc_epoch_1.pth', 'last_checkpoint',
                 'config.py', 'notes.pth'):
        (tmp_path / name).write_text(name)
    (tmp_path / '20261130_120000').mkdir()
    dest, moved = set_aside_checkpoints(str(tmp_path), stamp='s')
    assert moved == ['best_acc_epoch_1.pth', 'epoch_1.pth', 'iter_40.pth', 'last_checkpoint']
    assert dest == str(tmp_path / 'previous_run_s')
    assert sorted(os.listdir(dest)) == moved
    assert (tmp_path / 'previous_run_s' / 'epoch_1.pth').read_text() == 'epoch_1.pth'
    assert sorted(os.listdir(tmp_path)) == ['20261130_120000', 'config.py', 'notes.pth',
                                            'previous_run_s']
    assert set_aside_checkpoints(str(tmp_path), stamp='s') == ('', [])
    (tmp_path / 'epoch_2.pth').write_text('2')  # same second again: a new folder
    assert set_aside_checkpoints(str(tmp_path), stamp='s')[0] == str(tmp_path / 'previous_run_s_1')


def test_last_checkpoint_resolves_inside_the_work_dir(tmp_path):
    orig, copy = tmp_path / 'orig', tmp_path / 'copy'
    orig.mkdir()
    (orig / 'epoch_2.pth').write_text('x')
    (orig / 'last_checkpoint').write_text(str(orig / 'epoch_2.pth'))
    shutil.copytree(orig, copy)
    assert resolve_last_checkpoint(str(orig)) == str(orig / 'epoch_2.pth')
    assert resolve_last_checkpoint(str(copy)) == str(copy / 'epoch_2.pth')
    os.remove(copy / 'epoch_2.pth')  # not in the copy: the recorded path, as MMEngine does
    assert resolve_last_checkpoint(str(copy)) == str(orig / 'epoch_2.pth')
    (copy / 'last_checkpoint').write_text('')
    assert resolve_last_checkpoint(str(copy)) is None
    assert resolve_last_checkpoint(str(tmp_path / 'none')) is None


@pytest.fixture(scope='module')
def config_file(tmp_path_factory):
    data = make_image_folder(str(tmp_path_factory.mktemp('imgs')), classes=2, per_class=2)
    cfg = tiny_cfg(data, 'unused', max_epochs=1, warmup_epochs=0)
    cfg.log_level = 'INFO'  # the resume lines
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    path = str(tmp_path_factory.mktemp('cfg') / 'tiny.py')
    cfg.dump(path)
    return path


def test_a_fresh_run_moves_the_old_checkpoints_aside(tmp_path, capsys):
    from mmengine.config import Config
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'epoch_1.pth').write_bytes(b'weights of the earlier run')
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    cfg = Config(dict(work_dir=str(work), resume=False, load_from=str(work / 'epoch_1.pth')))
    train.protect_work_dir(cfg)
    assert 'holds checkpoints of an earlier run and --resume was not given: moved ' \
        'epoch_1.pth, last_checkpoint to' in capsys.readouterr().out
    aside, = [d for d in os.listdir(work) if d.startswith('previous_run_')]
    assert (work / aside / 'epoch_1.pth').read_bytes() == b'weights of the earlier run'
    assert previous_checkpoints(str(work)) == []
    assert cfg.load_from == str(work / aside / 'epoch_1.pth')  # fine-tuning from it still works
    # with --resume nothing moves, and the path is resolved
    (work / 'epoch_1.pth').write_bytes(b'x')
    (work / 'last_checkpoint').write_text('/elsewhere/epoch_1.pth')
    cfg = Config(dict(work_dir=str(work), resume=True, load_from=None))
    train.protect_work_dir(cfg)
    assert cfg.load_from == str(work / 'epoch_1.pth') and capsys.readouterr().out == ''
    # a non-zero rank never moves files
    os.environ['RANK'] = '1'
    try:
        train.protect_work_dir(Config(dict(work_dir=str(work), resume=False)))
    finally:
        del os.environ['RANK']
    assert (work / 'epoch_1.pth').exists()


@pytest.mark.slow  # trains and resumes a Runner
def test_resume_in_a_copied_work_dir_uses_the_copy(config_file, tmp_path, capsys):
    # a real run: the Runner's own resume has to follow the resolved path
    work, copy = str(tmp_path / 'work'), str(tmp_path / 'copy')
    train.main([config_file, '--work-dir', work])
    shutil.copytree(work, copy)
    shutil.rmtree(work)  # the recorded absolute path is gone
    train.main([config_file, '--work-dir', copy, '--resume', '--cfg-options',
                'train_cfg.max_epochs=2'])
    assert 'holds checkpoints' not in capsys.readouterr().out
    resumed = torch.load(os.path.join(copy, 'epoch_2.pth'), map_location='cpu',
                         weights_only=False)
    assert resumed['meta']['epoch'] == 2
    logs = [os.path.join(r, f) for r, _, fs in os.walk(copy) for f in fs if f.endswith('.log')]
    text = ''.join(open(p).read() for p in logs)
    assert f'Load checkpoint from {copy}/epoch_1.pth' in text and 'resumed epoch: 1' in text
    with open(os.path.join(copy, 'last_checkpoint')) as f:
        assert f.read().strip() == os.path.join(copy, 'epoch_2.pth')
