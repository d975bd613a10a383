"""KNNMonitorHook logs k-NN accuracy during a tiny MEC pre-training run."""
import os

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mec_plugin  # noqa: F401
from _eval_data import make_image_folder
from _tiny import tiny_mec_model

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def test_monitor_logs_knn_accuracy_every_n_epochs(tmp_path):
    data = make_image_folder(str(tmp_path / 'data'), classes=2, per_class=2, size=16)
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/datasets/cifar10_mec.py'))
    cfg.merge_from_dict(dict(
        model=tiny_mec_model(),
        work_dir=str(tmp_path / 'work'),
        default_scope='mmpretrain',
        train_dataloader=dict(batch_size=4, num_workers=0, persistent_workers=False,
                              dataset=dict(data_root=data)),
        knn_train_dataloader=dict(batch_size=4, num_workers=0, dataset=dict(data_root=data)),
        knn_test_dataloader=dict(batch_size=4, num_workers=0, dataset=dict(data_root=data)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=2),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=-1, save_last=False)),
        custom_hooks=[dict(type='KNNMonitorHook', interval=2, ks=(1, 3))],
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='INFO',
    ))
    # the RandomResizedCrop of the views at 32 px works on 16-px images too
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = [h for h in runner.hooks if type(h).__name__ == 'KNNMonitorHook'][0]
    assert [h['epoch'] for h in hook.history] == [2]  # interval 2: not after epoch 1
    for h in hook.history:
        # the test split is the bank here and k = 1 finds each image itself
        assert h['knn/top1_k1'] == 100.0
        assert 0. <= h['knn/top1_k3'] <= 100.
    assert runner.model.training
    log = open(os.path.join(runner.log_dir, os.path.basename(runner.log_dir) + '.log')).read()
    assert 'k-NN (student): knn/top1_k1 100.00' in log


# --- distributed: every rank takes part, the result is the single-process one

WORLD, DEADLINE_S = 2, 120


def _knn_cfg(data, work_dir):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/datasets/cifar10_mec.py'))
    loader = dict(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.merge_from_dict(dict(
        model=tiny_mec_model(), work_dir=work_dir, default_scope='mmpretrain',
        train_dataloader=dict(batch_size=2, num_workers=0, persistent_workers=False,
                              dataset=dict(data_root=data)),
        knn_train_dataloader=dict(loader, dataset=dict(data_root=data)),
        knn_test_dataloader=dict(loader, dataset=dict(data_root=data, data_prefix='test')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05)),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=1),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=-1, save_last=False)),
        # the neck's 32-d output as the representation, from the EMA teacher
        custom_hooks=[dict(type='KNNMonitorHook', ks=(1, 3)),
                      dict(type='KNNMonitorHook', ks=(1, 3), weights='teacher',
                           representation='backbone+neck')],
        randomness=dict(seed=0), env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING'))
    return cfg


def _histories(cfg):
    runner = Runner.from_cfg(cfg)
    hooks = [h for h in runner.hooks if type(h).__name__ == 'KNNMonitorHook']
    for hook in hooks:  # the end of the last epoch, without training
        hook.after_train_epoch(runner)
    return [hook.history for hook in hooks]


def _knn_worker(rank, init_file, data, out_dir):
    import datetime

    import torch
    import torch.distributed as dist
    # a collective that one rank never reaches fails after the timeout instead of hanging
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=WORLD, timeout=datetime.timedelta(seconds=60))
    from mec_plugin.engine.hooks.knn_monitor_hook import gather_shards
    rows = torch.arange(5 * 2).view(5, 2)[rank::WORLD]  # shards of 3 and 2 rows
    out = dict(gathered=gather_shards(rows),
               histories=_histories(_knn_cfg(data, os.path.join(out_dir, f'work{rank}'))))
    torch.save(out, os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.slow  # spawns two processes
def test_two_gloo_processes_give_the_single_process_accuracy(tmp_path):
    import time

    import torch
    import torch.multiprocessing as mp
    data = make_image_folder(str(tmp_path / 'data'), classes=3, per_class=3, size=16)
    ctx = mp.spawn(_knn_worker, args=(str(tmp_path / 'init'), data, str(tmp_path)),
                   nprocs=WORLD, join=False)
    deadline = time.time() + DEADLINE_S
    while not ctx.join(timeout=1):
        if time.time() > deadline:
            for p in ctx.processes:
                p.kill()
            pytest.fail(f'KNNMonitorHook did not finish on {WORLD} gloo processes in '
                        f'{DEADLINE_S} s (a rank waits in a collective the others skip)')
    results = [torch.load(str(tmp_path / f'{r}.pt'), weights_only=False) for r in range(WORLD)]
    for r in results:
        assert torch.equal(r['gathered'], torch.arange(10).view(5, 2))
    single = _histories(_knn_cfg(data, str(tmp_path / 'single')))
    for r in results:  # every rank has the result, equal to one process reading all
        assert r['histories'] == single
    student, teacher_neck = single
    assert student[0]['feature_dim'] == 64 and teacher_neck[0]['feature_dim'] == 32
    assert set(student[0]) == {'epoch', 'feature_dim', 'knn/top1_k1', 'knn/top1_k3'}
