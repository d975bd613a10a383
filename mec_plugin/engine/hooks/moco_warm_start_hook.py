"""The warm start of the small-model MoCo baseline (official ``--resume CKPT
--restart``, WOWNICE/ssl-small ``main_moco_final.py``).

The official restart loads a checkpoint's ``state_dict`` into the model after
dropping every key whose shape differs from the model's, non-strictly, then
copies the query encoder into the key encoder, and trains from epoch 0 with
a fresh optimizer. The README uses it to start from a SEED-distilled
checkpoint (docs/methods/moco_small.md, "README pitfalls").

MMEngine's ``load_from`` would load weights too, but it reports shape
mismatches only as a warning among others, keeps the checkpoint's key encoder
and its EMA step count, and runs before nothing can copy the query into it;
so this is a hook that runs once, before the first iteration of a fresh run.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import MMLogger, print_log
from mmpretrain.utils import get_ori_model
from torch import Tensor

from mec_plugin.registry import HOOKS


def load_matching_state_dict(model: nn.Module, state_dict: Dict[str, Tensor],
                             exclude: Sequence[str] = ()) -> Dict[str, List]:
    """Load every entry of ``state_dict`` whose name and shape fit ``model``.

    Args:
        model (nn.Module): the algorithm (query encoder ``backbone`` / ``neck``,
            key encoder ``encoder_k``, ``queue`` ...).
        state_dict (dict): a checkpoint's ``state_dict``.
        exclude (Sequence[str]): key prefixes not to load (e.g. ``('queue',)``
            to keep a fresh queue).

    Returns:
        dict of lists: ``loaded`` keys, ``mismatched`` ``(key, checkpoint
        shape, model shape)`` triples (dropped), ``missing`` model keys the
        checkpoint lacks, ``unexpected`` checkpoint keys the model lacks,
        ``excluded`` keys skipped by ``exclude``.
    """
    own = model.state_dict()
    keep, mismatched, excluded = {}, [], []
    for key, value in state_dict.items():
        if exclude and key.startswith(tuple(exclude)):
            excluded.append(key)
        elif key in own and tuple(value.shape) != tuple(own[key].shape):
            mismatched.append((key, tuple(value.shape), tuple(own[key].shape)))
        else:
            keep[key] = value
    result = model.load_state_dict(keep, strict=False)
    return dict(loaded=sorted(k for k in keep if k in own), mismatched=mismatched,
                missing=sorted(set(result.missing_keys) - set(excluded)),
                unexpected=sorted(result.unexpected_keys), excluded=sorted(excluded))


@torch.no_grad()
def copy_query_to_key(model: nn.Module) -> int:
    """``encoder_k <- (backbone, neck)``, parameters and buffers, as the
    official restart's ``param_k.data.copy_(param_q.data)``.

    Returns:
        int: the number of tensors copied.
    """
    query = nn.Sequential(model.backbone, model.neck)
    key = model.encoder_k.module
    pairs: List[Tuple[Tensor, Tensor]] = list(zip(key.parameters(), query.parameters()))
    pairs += list(zip(key.buffers(), query.buffers()))
    for dst, src in pairs:
        dst.copy_(src)
    return len(pairs)


def _short(keys, limit: int = 10) -> str:
    keys = [str(k) for k in keys]
    more = f' ... and {len(keys) - limit} more' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


@HOOKS.register_module()
class MoCoWarmStartHook(Hook):
    """Warm-start a fresh run from another checkpoint (official ``--restart``).

    Before the first iteration of a run that starts at epoch 0 / iteration 0,
    loads ``checkpoint`` into the model keeping only the keys whose shapes
    match (the dropped, missing and unexpected keys are logged), then copies
    the query encoder into the key encoder. Epoch, iteration, optimizer and
    learning-rate schedule are the fresh run's. A resumed run (``--resume``,
    iteration > 0) keeps its own weights and skips the warm start.

    Config::

        custom_hooks = [dict(type='MoCoWarmStartHook', checkpoint='seed.pth')]

    Args:
        checkpoint (str): a Runner checkpoint (or any file whose
            ``state_dict`` / ``model`` entry uses the algorithm's key names).
        copy_query_to_key (bool): copy the query encoder into the key encoder
            after loading. Defaults to True (official).
        exclude (Sequence[str]): key prefixes not to load. Defaults to ()
            (official: everything that fits, the queue included).
        revise_keys (Sequence[Tuple[str, str]]): ``(old_prefix, new_prefix)``
            renames applied first, e.g. ``[('module.encoder_q.', 'backbone.')]``.
        min_loaded (int): fail when fewer keys than this load (a wrong file).
            Defaults to 1.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 checkpoint: str,
                 copy_query_to_key: bool = True,
                 exclude: Sequence[str] = (),
                 revise_keys: Sequence[Tuple[str, str]] = (),
                 min_loaded: int = 1) -> None:
        if not isinstance(checkpoint, str) or not checkpoint:
            raise ValueError(f'MoCoWarmStartHook: checkpoint must be a file path, got {checkpoint!r}')
        if isinstance(exclude, str):
            raise ValueError(f"MoCoWarmStartHook: exclude must be a list of key prefixes, got the "
                             f"string '{exclude}'")
        for pair in revise_keys:
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                raise ValueError(f'MoCoWarmStartHook: revise_keys must hold (old_prefix, '
                                 f'new_prefix) pairs, got {pair!r}')
        self.checkpoint = checkpoint
        self.copy_query_to_key = copy_query_to_key
        self.exclude = tuple(exclude)
        self.revise_keys = [tuple(p) for p in revise_keys]
        self.min_loaded = min_loaded
        self.report: Optional[Dict[str, List]] = None

    def _state_dict(self) -> Dict[str, Tensor]:
        from mec_plugin.utils.checkpoint import load_checkpoint_file
        state = load_checkpoint_file(self.checkpoint)
        for old, new in self.revise_keys:
            state = {(new + k[len(old):] if k.startswith(old) else k): v for k, v in state.items()}
        return state

    def warm_start(self, model: nn.Module, logger=None) -> Dict[str, List]:
        """Load and copy into ``model`` (unwrapped); returns the report."""
        logger = logger or MMLogger.get_current_instance()
        report = load_matching_state_dict(model, self._state_dict(), self.exclude)
        if len(report['loaded']) < self.min_loaded:
            raise ValueError(
                f'MoCoWarmStartHook: only {len(report["loaded"])} keys of {self.checkpoint} fit '
                f'the model (min_loaded={self.min_loaded}); unexpected keys: '
                f'{_short(report["unexpected"])} -- pass revise_keys to rename them')
        print_log(f'warm start from {self.checkpoint}: {len(report["loaded"])} tensors loaded',
                  logger=logger)
        if report['mismatched']:
            print_log('warm start: dropped (shape mismatch, checkpoint vs model): ' + _short(
                f'{k} {a} vs {b}' for k, a, b in report['mismatched']), logger=logger,
                level=30)
        for name in ('missing', 'unexpected', 'excluded'):
            if report[name]:
                print_log(f'warm start: {name} keys: {_short(report[name])}', logger=logger,
                          level=30 if name != 'excluded' else 20)
        if self.copy_query_to_key:
            copy_query_to_key(model)
            print_log('warm start: copied the query encoder into the key encoder', logger=logger)
        self.report = report
        return report

    def before_train(self, runner) -> None:
        if runner.iter > 0 or runner.epoch > 0:
            runner.logger.info(f'MoCoWarmStartHook: resumed at iteration {runner.iter}; the warm '
                               f'start from {self.checkpoint} applies to fresh runs only')
            return
        self.warm_start(get_ori_model(runner.model), runner.logger)
