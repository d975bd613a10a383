"""The lr of every iteration of a config's schedule, as MMEngine's Runner runs it.

A one-parameter model trains through ``Runner.train()`` with the config's
``optim_wrapper`` lr, ``param_scheduler`` and ``train_cfg``, so the schedulers
are built and stepped by MMEngine itself (its default ``end`` for a scheduler
that sets none included), not by a copy of its rules in the tests.
"""
import copy

import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner


class _OneParameter(BaseModel):

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, inputs=None, data_samples=None, mode='loss'):
        return dict(loss=self.w.sum() * 0.)


class _RecordLr(Hook):

    def __init__(self):
        self.lrs = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.lrs.append(runner.optim_wrapper.param_groups[0]['lr'])


def runner_lrs(cfg, work_dir, epoch_length=3, max_epochs=None, lr=None):
    """lr at each of the ``max_epochs x epoch_length`` iterations of ``cfg``."""
    train_cfg = copy.deepcopy(cfg.train_cfg.to_dict())
    if max_epochs is not None:
        train_cfg['max_epochs'] = max_epochs
    train_cfg.pop('val_interval', None)
    recorder = _RecordLr()
    optimizer = copy.deepcopy(cfg.optim_wrapper.optimizer.to_dict())
    optimizer = dict(type='SGD', lr=lr if lr is not None else optimizer['lr'])
    scheduler = cfg.param_scheduler
    scheduler = scheduler.to_dict() if hasattr(scheduler, 'to_dict') else [
        s.to_dict() for s in scheduler]
    runner = Runner(
        model=_OneParameter(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=[dict(inputs=0)] * epoch_length, batch_size=1,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(type='OptimWrapper', optimizer=optimizer),
        param_scheduler=copy.deepcopy(scheduler), train_cfg=train_cfg,
        default_hooks=dict(checkpoint=None, logger=None, timer=None),
        custom_hooks=[recorder], default_scope='mmpretrain',
        log_level='WARNING')
    runner.train()
    return recorder.lrs
