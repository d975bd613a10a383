"""Distributed training on machines without CUDA (gloo, CPU modules).

MMEngine 0.10.7 cannot start a multi-process run on a CPU-only machine:
``init_dist`` calls ``torch.cuda.set_device`` first, ``Runner.wrap_model``
passes ``device_ids=[LOCAL_RANK]`` to DDP (CUDA devices), and torch's
``SyncBatchNorm`` runs on CUDA only (reverting it by hand to ``BatchNorm2d``
breaks the 1-d BN of the projectors). :func:`prepare_cpu_distributed` does
what the launcher needs instead: it starts the process group with gloo
itself (the Runner then skips ``init_dist``), and makes the Runner wrap the
model in :class:`CPUDistributedDataParallel`, which reverts SyncBN with
MMEngine's ``revert_sync_batchnorm`` (``_BatchNormXd``: any input rank) and
says so in the log. On a machine with CUDA nothing changes.
"""
import datetime
import logging
import os

import torch
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm

#: the Runner's model wrapper type on CPU-only distributed runs
WRAPPER_TYPE = 'mmpretrain.CPUDistributedDataParallel'


class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU modules: no ``device_ids``, no SyncBN.

    SyncBN layers become per-process BN (each rank normalises its own
    batch), with a warning in the log: torch's ``SyncBatchNorm`` has no CPU
    implementation.
    """

    def __init__(self, module: torch.nn.Module, device_ids=None, **kwargs) -> None:
        if any(isinstance(m, torch.nn.SyncBatchNorm) for m in module.modules()):
            module = revert_sync_batchnorm(module)
            print_log('CPU distributed run: SyncBN layers reverted to per-process BatchNorm '
                      "(torch's SyncBatchNorm runs on CUDA only)", logger='current',
                      level=logging.WARNING)
        super().__init__(module=module, device_ids=None, **kwargs)


def _register_wrapper() -> None:
    # only on the runs that use it: importing the plugin registers no wrapper
    from mmpretrain.registry import MODEL_WRAPPERS
    MODEL_WRAPPERS.register_module(module=CPUDistributedDataParallel, force=True)


def prepare_cpu_distributed(cfg) -> bool:
    """Start a gloo process group and set the CPU model wrapper, on CPU-only machines.

    Call it before ``Runner.from_cfg(cfg)`` with ``cfg.launcher`` set. Returns
    True when it did (a distributed launcher and no CUDA device), else False.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise SystemExit(f"--launcher {launcher} without a CUDA device: CPU-only distributed "
                         "runs are supported with --launcher pytorch (tools/dist_train.sh)")
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    if dist_cfg.get('backend', 'nccl') != 'gloo':
        print(f"no CUDA device: the distributed backend is gloo, not {dist_cfg.get('backend', 'nccl')!r}",
              flush=True)
    dist_cfg['backend'] = 'gloo'
    env_cfg['dist_cfg'] = dist_cfg
    kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
    if kwargs.get('timeout') is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
    if not torch.distributed.is_initialized():  # no torch.cuda.set_device, unlike init_dist
        torch.distributed.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                             world_size=int(os.environ['WORLD_SIZE']), **kwargs)
    _register_wrapper()
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        broadcast_buffers=False, find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get('type', 'MMDistributedDataParallel') in ('MMDistributedDataParallel',
                                                            'mmengine.MMDistributedDataParallel'):
        wrapper['type'] = WRAPPER_TYPE
    cfg.model_wrapper_cfg = wrapper
    return True
