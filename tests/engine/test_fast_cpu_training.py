"""The fast small-data path through the Runner: in-memory uint8 images, views made by
BatchAugmentPreprocessor, bfloat16 autocast on the CPU with the MEC loss in float32;
and the main job's configs take a few training iterations on tiny generated data."""
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mec_plugin  # noqa: F401
from _eval_data import make_image_folder, write_idx
from _tiny import tiny_mec_model
from _scripts import load_tool

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# every test trains Runners (30-135 s each on 2 shared cores)
pytestmark = pytest.mark.slow


def tiny_fashion_mnist(root, n=32):
    rng = np.random.default_rng(0)
    for split in ('train', 't10k'):
        write_idx(os.path.join(root, f'{split}-images-idx3-ubyte'),
                   rng.integers(0, 256, (n, 28, 28)))
        write_idx(os.path.join(root, f'{split}-labels-idx1-ubyte'), rng.integers(0, 10, n))
    return root


class _Dtypes:
    """Records the dtype of the backbone's output and of the head's loss."""

    def __init__(self, model):
        self.backbone, self.loss = [], []
        model.backbone.register_forward_hook(
            lambda m, i, out: self.backbone.append(out[-1].dtype))
        original = model.head.loss

        def loss(*args):
            out = original(*args)
            self.loss.append(out['loss'].dtype)
            return out

        model.head.loss = loss


def test_bf16_autocast_on_the_cpu_trains_with_the_loss_in_float32(tmp_path):
    root = make_image_folder(str(tmp_path / 'data'), classes=2, per_class=8, size=32,
                             splits=('train', 'test'))
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/datasets/cifar10_mec_in_memory.py'))
    model = tiny_mec_model()
    model.pop('data_preprocessor')  # the config's BatchAugmentPreprocessor
    cfg.merge_from_dict(dict(
        model=model, work_dir=str(tmp_path / 'work'), default_scope='mmpretrain',
        train_dataloader=dict(batch_size=8, dataset=dict(dataset=dict(data_root=root))),
        optim_wrapper=dict(type='OptimWrapper',
                           optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=2),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=2)),
        randomness=dict(seed=0), log_level='WARNING'))
    # what `tools/train.py --amp --amp-dtype bfloat16` does to a config
    train = load_tool('tools/train.py')
    cfg = train.merge_args(cfg, train.parse_args(['x.py', '--amp', '--amp-dtype', 'bfloat16']))
    assert cfg.optim_wrapper.type == 'BFloat16OptimWrapper'
    runner = Runner.from_cfg(cfg)
    dtypes = _Dtypes(runner.model)
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    assert len(dtypes.backbone) == 2 * 2 * 2  # 2 epochs x 2 iterations x 2 views (student)
    assert set(dtypes.backbone) == {torch.bfloat16}
    assert dtypes.loss == [torch.float32] * 4  # the coding length in float32
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert np.isfinite(loss)
    after = runner.model.state_dict()
    neck = next(k for k in before if k.startswith('neck.') and k.endswith('weight'))
    for name in ('backbone.conv1.weight', neck, 'teacher.module.0.conv1.weight'):
        assert not torch.equal(before[name], after[name]), name
    assert after['backbone.conv1.weight'].dtype == torch.float32  # master weights stay float32
    assert os.path.isfile(tmp_path / 'work' / 'epoch_2.pth')


@pytest.mark.parametrize('config,data', [
    ('mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py', 'fashion-mnist'),
    ('mec/mec_resnet18-w16_1xb256-4e_cifar10.py', 'image-folder'),
])
def test_main_job_configs_train_and_evaluate_on_tiny_data(config, data, tmp_path):
    if data == 'fashion-mnist':
        root = tiny_fashion_mnist(str(tmp_path), n=16)
    else:
        root = make_image_folder(str(tmp_path / 'data'), classes=2, per_class=8, size=32)
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', config))
    # the data options tools/quickstart.sh passes
    cfg.merge_from_dict({
        'train_dataloader.dataset.dataset.data_root': root,
        'knn_train_dataloader.dataset.dataset.dataset.data_root': root,
        'knn_test_dataloader.dataset.dataset.data_root': root,
        'train_dataloader.batch_size': 8, 'train_cfg.max_epochs': 2,
        'work_dir': str(tmp_path / 'work'), 'log_level': 'WARNING'})
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', []) if h.type != 'KNNMonitorHook']
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
    assert runner.iter == 2 * 16 // 8
    # the k-NN loaders read the same tree, one sample per image
    from mec_plugin.registry import DATASETS
    for split in ('train', 'test'):
        dataset = DATASETS.build(cfg[f'knn_{split}_dataloader'].dataset)
        assert len(dataset) == 16 and dataset.images.dtype == torch.uint8


def _two_epochs_of_batch_8(config, root, tmp_path):
    """A shipped config on the training images under ``root``: 2 epochs of batch 8."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', config))
    cfg.merge_from_dict({
        'train_dataloader.dataset.dataset.data_root': root,
        'train_dataloader.batch_size': 8, 'train_cfg.max_epochs': 2,
        'work_dir': str(tmp_path / 'work'), 'log_level': 'WARNING'})
    return cfg


def _assert_trains(cfg, iterations):
    """The Runner trains ``cfg`` for ``iterations`` steps to a finite loss and moves the backbone."""
    runner = Runner.from_cfg(cfg)
    before = runner.model.backbone.conv1.weight.detach().clone()
    runner.train()
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
    assert runner.iter == iterations
    assert not torch.equal(before, runner.model.backbone.conv1.weight)


@pytest.mark.parametrize('config', [
    'dissl/dissl_resnet18-w16_1xb256-10e_fashion-mnist.py',
    'cissl/cissl_resnet18-w16_1xb256-10e_fashion-mnist.py',
    'moco_small/mocosmall_resnet18-w16_1xb256-10e_fashion-mnist.py',
    'baselines/simclr_resnet18-w16_1xb256-10e_fashion-mnist.py',
])
def test_comparator_fashion_mnist_configs_train_on_tiny_data(config, tmp_path):
    """The comparators on the main job's data path: one input channel, the batch-made
    views, bfloat16; a few iterations change the backbone and give a finite loss."""
    cfg = _two_epochs_of_batch_8(config, tiny_fashion_mnist(str(tmp_path), n=16), tmp_path)
    assert cfg.model.backbone.in_channels == 1
    assert cfg.optim_wrapper.type == 'BFloat16OptimWrapper'
    _assert_trains(cfg, iterations=2 * 16 // 8)


@pytest.mark.parametrize('config', [
    'mec/mec_resnet18-w16_1xb128-5e_cifar10.py',
    'moco_small/mocosmall_resnet18-w16_1xb128-5e_cifar10.py',
])
@pytest.mark.timeout(600)  # 135 s for MEC on 2 shared cores
def test_cifar_short_budget_configs_train_on_a_tiny_image_folder(config, tmp_path):
    """The same-budget comparison's CIFAR-10 configs on the in-memory, batch-augmented,
    bfloat16 path: a few iterations give a finite loss and change the backbone."""
    # 8 iterations an epoch: MEC's quarter-epoch warm-up is then 2 (one is refused)
    root = make_image_folder(str(tmp_path / 'data'), classes=2, per_class=32, size=32)
    cfg = _two_epochs_of_batch_8(config, root, tmp_path)
    assert cfg.optim_wrapper.type == 'BFloat16OptimWrapper'
    assert cfg.data_preprocessor.type == 'BatchAugmentPreprocessor'
    _assert_trains(cfg, iterations=2 * 64 // 8)
