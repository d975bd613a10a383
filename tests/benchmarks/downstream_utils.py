"""Helpers for the downstream tests: a MEC ResNet-50 checkpoint as the Runner
writes it, the converter CLIs, mmengine's load report, and a 2-iteration
Runner on a benchmark config."""
import logging
import os
import os.path as osp
import re
from typing import Dict, List

import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer, MMLogger

from _scripts import load_tool  # noqa: F401 (the downstream tests import it from here)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def sync_bn_to_bn(cfg):
    """SyncBN -> BN everywhere in a model config (nothing runs distributed)."""
    if isinstance(cfg, dict):
        return {k: ('BN' if k == 'type' and v == 'SyncBN' else sync_bn_to_bn(v))
                for k, v in cfg.items()}
    return cfg


def load_backbone(path: str) -> Dict[str, torch.Tensor]:
    """A converted backbone, loaded the strict way (tensors only)."""
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def randomise_(state_dict: Dict[str, torch.Tensor], generator: torch.Generator, scale=0.05):
    """Fill every float entry with fresh random values (variances positive),
    so that a loaded weight can only equal the checkpoint's by being loaded."""
    for k, v in state_dict.items():
        if v.is_floating_point():
            r = torch.randn(v.shape, generator=generator) * scale
            state_dict[k] = r.abs() + 0.5 if k.endswith('running_var') else r


def write_plugin_checkpoint(model_cfg: dict, path: str, seed: int = 0) -> Dict[str, torch.Tensor]:
    """Build a plugin algorithm, give student and teacher different random
    weights, save it as the Runner does (with a pickled HistoryBuffer, so it
    needs mmengine's objects to load) and return the saved state_dict."""
    import mec_plugin  # noqa: F401
    from mmengine.registry import DefaultScope

    from mec_plugin.registry import MODELS

    # an earlier Runner may have left 'mmdet' / 'mmseg' as the default scope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(model_cfg)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    randomise_(state, torch.Generator().manual_seed(seed))
    torch.save(dict(meta=dict(epoch=1, iter=2), state_dict=state,
                    message_hub=dict(log_scalars={'train/loss': HistoryBuffer([1.0], [1])})), path)
    return state


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages: List[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _keys_after(text: str, label: str) -> List[str]:
    match = re.search(re.escape(label) + r'(.*)', text)
    return [k.strip() for k in match.group(1).split(',')] if match else []


def capture_load_reports(monkeypatch) -> List[dict]:
    """What mmengine's ``load_state_dict`` reports, per module it loads into.

    Wraps ``mmengine.runner.checkpoint.load_state_dict`` (what
    ``PretrainedInit`` ends in, with or without a prefix) and parses the
    warning it logs: ``module`` is the target, ``missing`` / ``unexpected``
    the keys mmengine names (it leaves out ``num_batches_tracked``).
    """
    import mmengine.runner.checkpoint as checkpoint
    original = checkpoint.load_state_dict
    reports = []

    def spy(module, state_dict, strict=False, logger=None):
        records = _Records()
        mm_logger = MMLogger.get_current_instance()
        mm_logger.addHandler(records)
        try:
            original(module, state_dict, strict=strict, logger=logger)
        finally:
            mm_logger.removeHandler(records)
        text = '\n'.join(records.messages)
        reports.append(dict(module=module, n_keys=len(state_dict), text=text,
                            missing=_keys_after(text, 'missing keys in source state_dict: '),
                            unexpected=_keys_after(text, 'unexpected key in source state_dict: ')))

    monkeypatch.setattr(checkpoint, 'load_state_dict', spy)
    return reports


class _Recorder(Hook):
    """Weights right after init (before the first step) and each step's losses."""

    def __init__(self):
        self.initial = None
        self.losses = []

    def before_train(self, runner):
        self.initial = {k: v.detach().clone() for k, v in runner.model.state_dict().items()}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append({k: float(v.detach()) for k, v in outputs.items()})


def small_training(cfg, work_dir: str, iters: int = 2, name: str = 'downstream'):
    """Turn a benchmark config into a short CPU run: ``iters`` iterations, no
    validation, no checkpoints. The data settings stay the caller's."""
    from mmengine.config import ConfigDict
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{name}_{os.getpid()}_{id(cfg)}'
    cfg.train_cfg = ConfigDict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.param_scheduler = [ConfigDict(type='ConstantLR', factor=1.0, by_epoch=False)]
    cfg.optim_wrapper.optimizer.lr = 0.002
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = ConfigDict(type='LoggerHook', interval=1)
    cfg.default_hooks.pop('visualization', None)  # not one of mmengine's own defaults
    cfg.log_level = 'WARNING'
    cfg.randomness = ConfigDict(seed=0)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_dataloader.sampler = ConfigDict(type='InfiniteSampler', shuffle=True)
    return cfg


def run(cfg) -> _Recorder:
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    recorder = _Recorder()
    runner.register_hook(recorder, priority='LOWEST')
    runner.train()
    return recorder
