"""Runner checkpoints of every algorithm and optim wrapper the plugin ships
resume through the safe loader -- torch.load(weights_only=True) and the
allow-list, never full unpickling -- and every allow-list entry is needed by
one of them (or by the official MEC release's file)."""
import copy
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from PIL import Image

import mec_plugin  # noqa: F401
from mec_plugin.utils import safe_checkpoint
from mec_plugin.utils.safe_checkpoint import UNSAFE_ENV, UnsafeCheckpointError, load_from_local
from _checkpoints import numpy_1_names, official_mec_like

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# every test reads the checkpoints of eight Runners the module fixture trains
pytestmark = pytest.mark.slow
QUICK = {
    'mec': 'configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py',
    'dissl': 'configs/dissl/dissl_resnet18-w16_1xb128-2e_cifar10.py',
    'cissl': 'configs/cissl/cissl_resnet18-w16_1xb128-2e_cifar10.py',
    'mocosmall': 'configs/moco_small/mocosmall_resnet18-w16_1xb128-2e_cifar10.py',
    'cmc': 'configs/cmc/cmc_resnet18-w8_1xb128-4e_cifar10.py',
}
LARC = dict(_delete_=True, type='LARC', lr=0.1, momentum=0.9, weight_decay=1e-6,
            trust_coefficient=0.001, clip=False)
# kind: (quick config, overrides). Every run: the plugin's AtomicCheckpointHook and
# ResumableEpochBasedTrainLoop, except 'mec_mmengine' (MMEngine's hook and loop).
KINDS = {
    'mec': ('mec', {}),
    'mec_bf16': ('mec', {'optim_wrapper.type': 'BFloat16OptimWrapper'}),
    'mec_larc': ('mec', {'optim_wrapper.optimizer': LARC}),
    'mec_mmengine': ('mec', {'default_hooks.checkpoint.type': 'CheckpointHook',
                             'train_cfg.type': 'EpochBasedTrainLoop'}),
    'dissl': ('dissl', {'custom_hooks': [dict(type='DISSLBetaWarmupHook', warmup_iters=2)]}),
    'cissl': ('cissl', {}),
    'mocosmall': ('mocosmall', {'model.backbone.norm_cfg.num_splits': 4}),  # batch 4, not 128
    'cmc': ('cmc', {}),
}
ITERS = 4  # one epoch of 16 images at batch 4; checkpoints at iterations 2 and 4


@pytest.fixture(autouse=True)
def _no_opt_in(monkeypatch):
    monkeypatch.delenv(UNSAFE_ENV, raising=False)


@pytest.fixture(scope='module', autouse=True)
def _one_thread():
    # tiny convolutions: a second thread only adds contention on a shared CPU
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_images(root, classes=2, per_class=8, size=32):
    rng = np.random.default_rng(0)
    for split in ('train', 'test'):
        for c in range(classes):
            folder = os.path.join(root, split, f'class{c}')
            os.makedirs(folder, exist_ok=True)
            for i in range(per_class):
                img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                Image.fromarray(img).save(os.path.join(folder, f'{i}.png'))
    return root


def config(kind, data, work, **extra):
    name, overrides = KINDS[kind]
    cfg = Config.fromfile(os.path.join(ROOT, QUICK[name]))
    options = {'work_dir': work, 'log_level': 'WARNING', 'randomness.seed': 0,
               'env_cfg.dist_cfg.backend': 'gloo', 'train_cfg.max_epochs': 1,
               'train_cfg.type': 'ResumableEpochBasedTrainLoop',
               'train_dataloader.batch_size': 4,
               'default_hooks.checkpoint.interval': 2, 'default_hooks.checkpoint.by_epoch': False,
               'default_hooks.checkpoint.max_keep_ckpts': 2}
    for loader in ('train_dataloader', 'knn_train_dataloader', 'knn_test_dataloader'):
        dataset = cfg[loader]['dataset']
        inner = 'dataset.dataset' if 'dataset' in dataset else 'dataset'  # SpreadSubset
        options.update({f'{loader}.{inner}.data_root': data, f'{loader}.num_workers': 0,
                        f'{loader}.persistent_workers': False})
    options.update(overrides)
    options.update(extra)
    cfg.merge_from_dict(options)
    cfg.train_cfg.pop('by_epoch', None)
    # the quick schedules warm up over epochs this one-epoch run does not have
    cfg.param_scheduler = [dict(type='CosineAnnealingLR', T_max=1, by_epoch=True,
                                convert_to_iter_based=True)]
    return cfg


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """{kind: (data root, work dir)} after one epoch of each kind."""
    data = make_images(str(tmp_path_factory.mktemp('images')))
    runs = {}
    for kind in KINDS:
        work = str(tmp_path_factory.mktemp(kind))
        Runner.from_cfg(config(kind, data, work)).train()
        runs[kind] = (data, work)
    return runs


class RecordResumeHook(Hook):
    """What the resumed run starts from (after load_or_resume)."""
    priority = 'VERY_LOW'

    def before_train(self, runner):
        self.iter = runner.iter
        self.loss = runner.message_hub.get_scalar('train/loss').data[0].copy()
        self.optimizer = copy.deepcopy(runner.optim_wrapper.state_dict())  # trained in place


@pytest.mark.parametrize('kind', list(KINDS))
def test_each_kind_resumes_with_the_opt_in_off(kind, trained, monkeypatch):
    data, work = trained[kind]
    ckpt_path = os.path.join(work, 'iter_2.pth')
    loads = []
    real_load = torch.load

    def recording_load(*args, **kwargs):
        loads.append(kwargs.get('weights_only'))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, 'load', recording_load)
    saved = load_from_local(ckpt_path)
    assert saved['meta']['iter'] == 2

    runner = Runner.from_cfg(config(kind, data, work + '_resumed', resume=True,
                                    load_from=ckpt_path))
    hook = RecordResumeHook()
    runner.register_hook(hook)
    runner.train()
    assert loads and set(loads) == {True}  # never weights_only=False
    # MMEngine's EpochBasedTrainLoop trains the interrupted epoch again from its
    # first batch (docs/robustness.md): two more iterations than planned
    assert hook.iter == 2 and runner.iter == (ITERS + 2 if kind == 'mec_mmengine' else ITERS)
    np.testing.assert_array_equal(hook.loss,
                                  saved['message_hub']['log_scalars']['train/loss'].data[0])
    assert len(hook.loss) == 2
    state, restored = saved['optimizer']['state'], hook.optimizer['state']
    assert state.keys() == restored.keys() and state  # momentum / moment buffers
    for key in state:
        for name, value in state[key].items():
            if torch.is_tensor(value):
                assert torch.equal(value, restored[key][name]), (key, name)
    assert os.path.isfile(os.path.join(work + '_resumed', f'iter_{runner.iter}.pth'))


def entry_name(entry):
    return entry[1] if isinstance(entry, tuple) else f'{entry.__module__}.{entry.__qualname__}'


def test_every_allow_list_entry_is_needed(trained, tmp_path, monkeypatch):
    """Removing any one entry makes a measured file fail: the list is no wider
    than the checkpoints. The files: a Runner checkpoint of each kind, one as
    numpy 1 names it, one holding an empty HistoryBuffer (protocol 2 pickles
    its empty arrays' data as ``bytes()``), and an official-MEC-like file
    written under numpy 1."""
    from mmengine.logging import HistoryBuffer
    files = [os.path.join(work, f'iter_{ITERS}.pth') for _, work in trained.values()]
    numpy_1_names(files[0], tmp_path / 'runner_numpy_1.pth')
    with_empty = load_from_local(files[0])
    with_empty['message_hub']['log_scalars']['train/empty'] = HistoryBuffer()
    torch.save(with_empty, tmp_path / 'runner_empty_buffer.pth')
    torch.save(official_mec_like(), tmp_path / 'official.pth')
    numpy_1_names(tmp_path / 'official.pth', tmp_path / 'official_numpy_1.pth')
    files += [str(tmp_path / 'runner_numpy_1.pth'), str(tmp_path / 'runner_empty_buffer.pth'),
              str(tmp_path / 'official_numpy_1.pth')]
    full = safe_checkpoint.allowed_globals()
    for path in files:
        load_from_local(path)
    unneeded = []
    for i, entry in enumerate(full):
        monkeypatch.setattr(safe_checkpoint, 'allowed_globals',
                            lambda i=i: full[:i] + full[i + 1:])
        refused = 0
        for path in files:
            try:
                load_from_local(path)
            except UnsafeCheckpointError:
                refused += 1
        if not refused:
            unneeded.append(entry_name(entry))
    assert not unneeded


def test_the_runner_checkpoints_name_only_allow_listed_globals(trained):
    with safe_checkpoint.allowed_for_loading():
        for kind, (_, work) in trained.items():
            path = os.path.join(work, f'iter_{ITERS}.pth')
            assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == [], kind
    # and without the list, the GLOBALs torch refuses are exactly the measured ones
    names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    assert sorted(names) == ['builtins.getattr', 'mmengine.logging.history_buffer.HistoryBuffer',
                             'numpy._core.multiarray._reconstruct',
                             'numpy._core.multiarray.scalar', 'numpy.dtype', 'numpy.ndarray']
