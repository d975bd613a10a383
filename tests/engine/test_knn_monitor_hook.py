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
