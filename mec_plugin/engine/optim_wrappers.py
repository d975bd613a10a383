"""bfloat16 mixed precision without a loss scaler.

MMEngine 0.10.7's ``AmpOptimWrapper(dtype='bfloat16')`` keeps a ``GradScaler``:
every step multiplies the loss by the scale, unscales the gradients, and reads
``found_inf`` back to the host to decide whether to skip the step -- a device
synchronisation per iteration, and a scale that bfloat16 does not need (it
has float32's exponent range: gradients that fit in float32 do not underflow
in bfloat16). ``BFloat16OptimWrapper`` is the plain ``OptimWrapper`` inside a
bfloat16 autocast: the same forward precision as the AMP wrapper, no scaler,
no per-step sync. It also runs on the CPU (CPU autocast), which
``AmpOptimWrapper`` refuses.

What is given up: the scaler's skip of a step whose gradients are not finite.
With bfloat16 those come from a diverging run rather than from underflow;
the plugin's ``MECStopOnNonFiniteLossHook`` stops training at a non-finite loss.

On a CPU, bfloat16 only pays where the CPU computes it natively (AVX512-BF16
or AMX). Elsewhere (AVX2-only CPUs, many laptops) it is emulated: on a 2-core
AVX2 EPYC the main job in bfloat16 had not finished 50 iterations after 20
minutes, where float32 ran them in about three. So by default
(``cpu_precision='auto'``) the wrapper autocasts on the CPU only where the CPU
has native bfloat16, and says which it chose in one log line.
"""
from contextlib import contextmanager
from typing import Optional

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper

from ..registry import OPTIM_WRAPPERS

CPU_PRECISIONS = ('auto', 'bf16', 'fp32')


def native_cpu_bf16() -> Optional[str]:
    """The CPU feature that computes bfloat16 natively ('AMX' or 'AVX512-BF16'), or None."""
    cpu = torch.cpu
    if getattr(cpu, '_is_amx_tile_supported', lambda: False)():
        return 'AMX'
    if getattr(cpu, '_is_avx512_bf16_supported', lambda: False)():
        return 'AVX512-BF16'
    return None


@OPTIM_WRAPPERS.register_module()
class BFloat16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` autocasts to bfloat16.

    Same arguments as ``OptimWrapper``, plus:

    Args:
        cpu_precision (str): on a CPU, ``'auto'`` (default) autocasts to
            bfloat16 only where the CPU has it natively (:func:`native_cpu_bf16`)
            and runs float32 elsewhere; ``'bf16'`` / ``'fp32'`` force either.
            GPUs always autocast. The choice is logged once.

    Resuming from a checkpoint written by ``AmpOptimWrapper`` works: its
    ``loss_scaler`` state is dropped.
    """

    def __init__(self, *args, cpu_precision: str = 'auto', **kwargs) -> None:
        if cpu_precision not in CPU_PRECISIONS:
            raise ValueError(f'BFloat16OptimWrapper: cpu_precision must be one of '
                             f"{CPU_PRECISIONS}, got '{cpu_precision}'")
        super().__init__(*args, **kwargs)
        self.cpu_precision = cpu_precision
        self._autocast = {}  # device type -> bool, decided (and logged) once

    def _autocasts_on(self, device_type: str) -> bool:
        if device_type not in self._autocast:
            if device_type != 'cpu':
                use, why = True, f'{device_type}: bfloat16 autocast'
            elif self.cpu_precision != 'auto':
                use = self.cpu_precision == 'bf16'
                why = f"CPU: {'bfloat16 autocast' if use else 'float32'} (cpu_precision=" \
                      f"'{self.cpu_precision}')"
            else:
                feature = native_cpu_bf16()
                use = feature is not None
                why = (f'CPU: bfloat16 autocast ({feature}: native bfloat16)' if use else
                       'CPU: float32 (no native bfloat16 on this CPU, neither AVX512-BF16 nor '
                       "AMX: emulated bfloat16 is slower; optim_wrapper.cpu_precision='bf16' "
                       'forces it)')
            MMLogger.get_current_instance().info(f'BFloat16OptimWrapper: {why}')
            self._autocast[device_type] = use
        return self._autocast[device_type]

    @contextmanager
    def optim_context(self, model: nn.Module):
        device_type = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(
                device_type=device_type, dtype=torch.bfloat16,
                enabled=self._autocasts_on(device_type)):
            yield

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        state_dict.pop('loss_scaler', None)
        super().load_state_dict(state_dict)


__all__ = ['BFloat16OptimWrapper', 'native_cpu_bf16']
