"""The speed benchmarks' training stack: MMEngine's own Runner, stepped by the benchmark.

A speed benchmark makes its batches itself (synthetic views, a data path on the device,
a DataLoader it times) and times the steps itself, so it cannot hand MMEngine a
dataloader and wait for ``runner.train()`` to return. :func:`run_stepped` builds a real
``Runner`` from a config's model, optim wrapper, ``auto_scale_lr``, ``param_scheduler``
and ``custom_hooks`` (the evaluating ``KNNMonitorHook`` left out), with the default hooks
``RuntimeInfoHook`` and ``ParamSchedulerHook`` (no timer, logger or checkpoint hook), and
calls ``runner.train()``. MMEngine then does what it does for ``tools/train.py``: builds
the optim wrapper, scales the lr to the batch, builds the schedulers (converted to
iterations), calls the hooks' ``before_run`` and ``before_train``, initialises the
weights; its train loop (:class:`SteppedTrainLoop`) then hands itself to the
benchmark's ``body``, which runs each iteration with ``loop.step(data)``:
``EpochBasedTrainLoop.run_iter``, i.e. every hook's ``before_train_iter``,
``model.train_step(data, optim_wrapper)``, every hook's ``after_train_iter`` (the lr
schedule steps there), inside ``with loop.epoch():`` (the epoch hooks).

The loop's dataloader is what the hooks and the Runner read of the training data: its
length (iterations per epoch: the lr and 1/lambda warm-ups, the EMA's schedule) and its
batch size (``auto_scale_lr``, the batch check). A benchmark that makes its own batches
passes :func:`index_loader` (the training set's indices in batches of the run's size);
one that times a DataLoader passes it and iterates it in its body.
"""
import contextlib
import copy
import itertools
import logging
import os
import shutil
import tempfile
from typing import Callable, Optional, Tuple

import torch
from mmengine.runner import EpochBasedTrainLoop, Runner
from torch.utils.data import DataLoader, Dataset

_RUNS = itertools.count()
NOT_A_STEP = ('KNNMonitorHook',)  # evaluates after an epoch; not part of a training step


class _Indices(Dataset):
    """The training set as its indices, for a benchmark that indexes its own data."""
    metainfo: dict = {}  # the train loop hands it to the visualizer

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return i


def index_loader(images: int, batch: int) -> DataLoader:
    """``images // batch`` batches of ``batch`` indices (the last partial one dropped)."""
    return DataLoader(_Indices(images), batch_size=batch, drop_last=True)


class SteppedTrainLoop(EpochBasedTrainLoop):
    """MMEngine's epoch-based train loop, stepped by a benchmark's ``body(loop)``.

    ``run()`` calls the ``before_train`` hooks, ``body(self)`` (its return value is kept
    as ``result``) and the ``after_train`` hooks, as ``EpochBasedTrainLoop.run`` does
    around its epochs.
    """

    def __init__(self, runner, dataloader, max_epochs: int, body: Callable) -> None:
        super().__init__(runner, dataloader, max_epochs)
        self.body = body
        self.result = None
        self._idx = 0

    def run(self) -> torch.nn.Module:
        self.runner.call_hook('before_train')
        self.result = self.body(self)
        self.runner.call_hook('after_train')
        return self.runner.model

    @contextlib.contextmanager
    def epoch(self):
        """One epoch: its hooks and the model in train mode, as ``run_epoch`` does."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        self._idx = 0
        yield self
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def step(self, data) -> float:
        """One Runner iteration on ``data``; the loss as ``RuntimeInfoHook`` logged it."""
        self.run_iter(self._idx, data)
        self._idx += 1
        return self.runner.message_hub.get_scalar('train/loss').current()


def run_stepped(cfg, body: Callable, train_dataloader: DataLoader, epochs: int, *,
                device: Optional[torch.device] = None, channels_last: bool = False,
                optim_wrapper: Optional[dict] = None, param_scheduler=None,
                custom_hooks=None, seed: int = 0,
                log_level: str = 'WARNING') -> Tuple[Runner, object]:
    """Build a Runner for ``cfg`` and run ``body(loop)`` as its training.

    ``optim_wrapper``, ``param_scheduler`` and ``custom_hooks`` default to the config's;
    the model is ``cfg.model`` (built by the Runner, SyncBN reverted to BN on one
    process), moved to ``device`` and to channels_last before the optimizer is built.
    Returns the Runner (``runner.model`` is the trained model) and the body's result.
    """
    if custom_hooks is None:
        custom_hooks = [h for h in cfg.get('custom_hooks', []) if h['type'] not in NOT_A_STEP]
    work_dir = tempfile.mkdtemp(prefix='mec_bench_')
    try:
        runner = Runner(
            model=copy.deepcopy(cfg.model),
            work_dir=work_dir,
            train_dataloader=train_dataloader,
            train_cfg=dict(type=SteppedTrainLoop, max_epochs=epochs, body=body),
            optim_wrapper=copy.deepcopy(optim_wrapper or cfg.optim_wrapper),
            auto_scale_lr=cfg.get('auto_scale_lr'),
            param_scheduler=copy.deepcopy(
                cfg.get('param_scheduler') if param_scheduler is None else param_scheduler),
            default_hooks=dict(timer=None, logger=None, checkpoint=None, sampler_seed=None),
            custom_hooks=copy.deepcopy(custom_hooks),
            env_cfg=dict(cudnn_benchmark=torch.backends.cudnn.benchmark),
            randomness=dict(seed=seed),
            log_level=log_level,
            default_scope=cfg.get('default_scope', 'mmpretrain'),
            experiment_name=f'benchmark_{os.getpid()}_{next(_RUNS)}')
        # the Runner put the model on its default device
        if device is not None:
            runner.model.to(device)
        if channels_last:
            runner.model.to(memory_format=torch.channels_last)
        try:
            runner.train()
        finally:  # the run's log file is in the work dir, removed below
            for handler in [h for h in runner.logger.handlers
                            if isinstance(h, logging.FileHandler)]:
                handler.close()
                runner.logger.removeHandler(handler)
        return runner, runner.train_loop.result
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
