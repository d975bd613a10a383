"""tools/train.py, --resume and tools/analysis/knn_eval.py as a user runs them."""
import json
import os
import subprocess
import sys

import pytest

from _scripts import load_tool
from engine.test_mec_training import make_image_folder

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CONFIG = 'configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py'


def run(*args, timeout=600):
    res = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res


def data_options(root):
    # the quick config's loaders are InMemoryImages(dataset); its k-NN memory is
    # InMemoryImages(SpreadSubset(dataset)), which keeps all 16 images here
    return [f'train_dataloader.dataset.dataset.data_root={root}/',
            f'knn_train_dataloader.dataset.dataset.dataset.data_root={root}/',
            f'knn_test_dataloader.dataset.dataset.data_root={root}/',
                'train_dataloader.batch_size=8', 'default_hooks.checkpoint.interval=1',
                'default_hooks.checkpoint.max_keep_ckpts=3', 'default_hooks.logger.interval=1', 'train_dataloader.num_workers=0',
                'train_dataloader.persistent_workers=False', 'knn_train_dataloader.num_workers=0',
                'knn_test_dataloader.num_workers=0']


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    data = make_image_folder(str(tmp_path_factory.mktemp('data')), classes=2, per_class=8)
    work = str(tmp_path_factory.mktemp('work'))
    opts = data_options(data)
    # 2 epochs (the first is the warm-up), then resume the same job for a third
    run('tools/train.py', CONFIG, '--work-dir', work, '--cfg-options', *opts,
        'train_cfg.max_epochs=2')
    run('tools/train.py', CONFIG, '--work-dir', work, '--resume', '--cfg-options', *opts,
        'train_cfg.max_epochs=3')
    return data, work, opts


@pytest.mark.slow  # runs tools/train.py and knn_eval.py in fresh interpreters
def test_training_and_resume_write_checkpoints(trained):
    _, work, _ = trained
    for epoch in (1, 2, 3):
        assert os.path.isfile(os.path.join(work, f'epoch_{epoch}.pth'))
    with open(os.path.join(work, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('epoch_3.pth')
    logs = [os.path.join(r, f) for r, _, fs in os.walk(work) for f in fs
            if f.endswith('.json') and f != 'scalars.json']
    iters = []
    for log in logs:
        with open(log) as f:
            iters += [json.loads(line)['iter'] for line in f if '"loss"' in line]
    assert sorted(iters) == [1, 2, 3, 4, 5, 6]  # 16 images / batch 8 = 2 iterations an epoch


@pytest.mark.slow  # runs tools/train.py and knn_eval.py in fresh interpreters
def test_knn_eval_on_the_checkpoint_and_at_random_init(trained, tmp_path):
    _, work, opts = trained
    out = str(tmp_path / 'knn.json')
    run('tools/analysis/knn_eval.py', CONFIG, os.path.join(work, 'epoch_2.pth'), '--k', '1', '3',
        '--best-k', '5', '--out', out, '--cfg-options', *opts[:3])
    with open(out) as f:
        result = json.load(f)
    assert result['num_train'] == 16 and result['num_test'] == 16
    assert result['feature_dim'] == 128
    assert set(result['weighted_knn']) == {'k=1,T=0.07', 'k=3,T=0.07'}
    assert all(0 <= v <= 100 for v in result['weighted_knn'].values())
    assert set(result['best_k']) == {'raw', 'norm', 'shift-norm'}
    # the generated classes differ by colour: even a random network separates them
    rand = run('tools/analysis/knn_eval.py', CONFIG, '--k', '1', '--cfg-options', *opts[:3])
    assert '"k=1,T=0.07": 100.0' in rand.stdout


@pytest.mark.slow  # runs tools/train.py and knn_eval.py in fresh interpreters
def test_knn_eval_names_a_missing_checkpoint(trained):
    res = subprocess.run([sys.executable, 'tools/analysis/knn_eval.py', CONFIG, 'nope.pth'],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode != 0 and 'checkpoint not found: nope.pth' in res.stderr


def test_the_compile_and_bf16_flags_set_the_config(monkeypatch):
    from mmengine.config import Config
    monkeypatch.setenv('LOCAL_RANK', '0')  # parse_args would set it for the whole session
    train = load_tool('tools/train.py')
    cfg = train.merge_args(Config.fromfile(os.path.join(ROOT, CONFIG)), train.parse_args(
        [CONFIG, '--work-dir', '/tmp/w', '--compile', '--amp', '--amp-dtype', 'bfloat16']))
    assert cfg.model.compile is True and 'compile' not in cfg  # not MMEngine's compile
    assert cfg.optim_wrapper.type == 'BFloat16OptimWrapper'
    other = Config.fromfile(os.path.join(ROOT, 'configs/dissl/dissl_resnet18-w16_1xb128-2e_cifar10.py'))
    with pytest.raises(SystemExit, match="MEC has; this config's model is 'DISSL'"):
        train.merge_args(other, train.parse_args([CONFIG, '--work-dir', '/tmp/w', '--compile']))


def test_a_run_no_longer_than_the_warm_up_is_refused_by_name(monkeypatch):
    from mmengine.config import Config
    monkeypatch.setenv('LOCAL_RANK', '0')
    train = load_tool('tools/train.py')
    args = train.parse_args([CONFIG, '--work-dir', '/tmp/w', '--cfg-options',
                             'train_cfg.max_epochs=1'])
    with pytest.raises(SystemExit, match=r'max_epochs=1 leaves no epoch for CosineAnnealingLR, '
                                         r'which starts after the warm-up at epoch 1'):
        train.merge_args(Config.fromfile(os.path.join(ROOT, CONFIG)), args)
    args = train.parse_args([CONFIG, '--work-dir', '/tmp/w', '--cfg-options',
                             'train_cfg.max_epochs=2'])
    assert train.merge_args(Config.fromfile(os.path.join(ROOT, CONFIG)), args).train_cfg.max_epochs == 2
