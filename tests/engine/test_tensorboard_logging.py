"""TensorBoard logging as docs/logging.md documents it: a tiny MEC run with the
TensorBoard backend and the k-NN monitor writes event files that hold the MEC
scalars (coding_length, taylor_1..4, taylor_radius, lamda_inv) and the k-NN accuracy."""
import glob
import os

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mec_plugin  # noqa: F401
from _eval_data import make_image_folder
from _tiny import mec_hooks, tiny_mec_model

event_accumulator = pytest.importorskip(
    'tensorboard.backend.event_processing.event_accumulator',
    reason='tensorboard is not installed (requirements/tests.txt, extra "analysis")')

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MEC_CONFIG = os.path.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py')
WITH_TENSORBOARD = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]


def test_the_documented_child_config_adds_tensorboard_to_a_shipped_config(tmp_path):
    child = tmp_path / 'mec_tensorboard.py'
    child.write_text(f"_base_ = [{MEC_CONFIG!r}]\n"
                     "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),\n"
                     "                                dict(type='TensorboardVisBackend')])\n")
    cfg = Config.fromfile(str(child))
    assert [b['type'] for b in cfg.visualizer.vis_backends] == ['LocalVisBackend',
                                                                 'TensorboardVisBackend']
    assert cfg.visualizer.type == Config.fromfile(MEC_CONFIG).visualizer.type


def test_the_documented_cfg_options_line_swaps_in_tensorboard():
    cfg = Config.fromfile(MEC_CONFIG)
    cfg.merge_from_dict({'visualizer.vis_backends.0.type': 'TensorboardVisBackend'})
    assert [b['type'] for b in cfg.visualizer.vis_backends] == ['TensorboardVisBackend']


def test_a_tiny_mec_run_writes_the_mec_scalars_and_knn_to_tensorboard(tmp_path):
    data = make_image_folder(str(tmp_path / 'data'), classes=2, per_class=4, size=16)
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/datasets/cifar10_mec.py'))
    loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.merge_from_dict(dict(
        model=tiny_mec_model(),
        work_dir=str(tmp_path / 'work'),
        default_scope='mmpretrain',
        train_dataloader=dict(loader, dataset=dict(data_root=data)),
        knn_train_dataloader=dict(loader, dataset=dict(data_root=data)),
        knn_test_dataloader=dict(loader, dataset=dict(data_root=data)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=2),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook', interval=-1, save_last=False)),
        custom_hooks=mec_hooks(radius_interval=1, warmup_epochs=1) + [
            dict(type='KNNMonitorHook', interval=1, ks=(1, 3))],
        visualizer=dict(type='UniversalVisualizer', vis_backends=WITH_TENSORBOARD),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING',
    ))
    runner = Runner.from_cfg(cfg)
    runner.train()
    events = glob.glob(os.path.join(runner.log_dir, 'vis_data', '**', 'events.out.tfevents.*'),
                       recursive=True)
    assert events, f'no event file under {runner.log_dir}'
    acc = event_accumulator.EventAccumulator(os.path.dirname(events[0]))
    acc.Reload()
    tags = set(acc.Tags()['scalars'])
    # taylor_k is one tag per term of the order-4 series: taylor_1 ... taylor_4
    for tag in ('loss', 'coding_length', 'taylor_1', 'taylor_2', 'taylor_3', 'taylor_4',
                'taylor_radius', 'lamda_inv', 'lr', 'knn/top1_k1', 'knn/top1_k3'):
        assert tag in tags, f'{tag} not in {sorted(tags)}'
    # 2 epochs of 2 iterations, logged every iteration; k-NN after each epoch
    assert [e.step for e in acc.Scalars('coding_length')] == [1, 2, 3, 4]
    assert [e.step for e in acc.Scalars('knn/top1_k1')] == [1, 2]
    # the values are the run's: the 1/lambda warm-up falls over the first epoch,
    # and k = 1 finds each image of the bank itself
    lamda_inv = [e.value for e in acc.Scalars('lamda_inv')]
    assert lamda_inv[0] > lamda_inv[-1] > 0
    assert acc.Scalars('knn/top1_k1')[-1].value == 100.0
