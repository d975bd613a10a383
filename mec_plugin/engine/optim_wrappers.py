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
the plugin's ``MECLambdaWarmupHook`` stops training at a non-finite loss.
"""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from ..registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BFloat16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` autocasts to bfloat16.

    Same arguments as ``OptimWrapper``. Resuming from a checkpoint written by
    ``AmpOptimWrapper`` works: its ``loss_scaler`` state is dropped.
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        device_type = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device_type=device_type,
                                                          dtype=torch.bfloat16):
            yield

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        state_dict.pop('loss_scaler', None)
        super().load_state_dict(state_dict)


__all__ = ['BFloat16OptimWrapper']
