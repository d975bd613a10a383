"""EMA teacher with mmpretrain's ``CosineEMA`` schedule, updated with foreach ops.

mmengine's ``ExponentialMovingAverage.update_parameters`` loops over the
parameters in Python and mmpretrain's ``CosineEMA.avg_func`` feeds the
``steps`` *tensor* to ``math.cos`` -- one device->host sync per parameter per
iteration on a GPU. This subclass computes the momentum once per step on the
host and updates all parameters with ``torch._foreach_lerp_``. It keeps the
``steps`` buffer (so the schedule survives checkpoint/resume) and the
mmengine momentum convention: ``momentum`` is the weight of the *new*
parameters (the paper's 0.996 -> 1 is ``momentum=0.004, end_momentum=0``).
"""
from math import cos, pi
from typing import Optional

import torch
import torch.nn as nn
from mmengine.logging import MessageHub

# mmpretrain's or MMSelfSup's (mec_plugin.host): we use its constructor;
# update_parameters and so the momentum convention are this class's own
from mec_plugin.host import CosineEMA


class ForeachCosineEMA(CosineEMA):
    """``CosineEMA`` with one host-side momentum per step and foreach updates.

    The momentum at update ``k`` (``k`` = ``steps``, K = ``max_iters`` from the
    Runner's MessageHub) is the same as ``CosineEMA``'s::

        m_k = end - (end - start) * (cos(pi * k / K) + 1) / 2

    Update 0 copies the source weights (the teacher starts as the student).
    """

    def __init__(self, model: nn.Module, momentum: float = 0.004,
                 end_momentum: float = 0., interval: int = 1,
                 device: Optional[torch.device] = None,
                 update_buffers: bool = False) -> None:
        super().__init__(model, momentum=momentum, end_momentum=end_momentum,
                         interval=interval, device=device,
                         update_buffers=update_buffers)
        # A host mirror of ``steps``; re-read from the buffer after a load.
        self._host_steps: Optional[int] = None
        self._register_load_state_dict_pre_hook(self._forget_host_steps)

    def _forget_host_steps(self, *args, **kwargs) -> None:
        self._host_steps = None

    def momentum_at(self, steps: int) -> float:
        max_iters = MessageHub.get_current_instance().get_info('max_iters')
        if max_iters is None:
            raise RuntimeError(
                'ForeachCosineEMA needs `max_iters` in the MessageHub: it is '
                'set by the Runner; outside a Runner call '
                "MessageHub.get_current_instance().update_info('max_iters', N)")
        cosine = (cos(pi * steps / float(max_iters)) + 1) / 2
        return self.end_momentum - (self.end_momentum - self.momentum) * cosine

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        if self._host_steps is None:
            self._host_steps = int(self.steps.item())  # once after (re)load
        steps = self._host_steps
        names = list(self.avg_parameters.keys())
        src = (model.state_dict() if self.update_buffers else dict(
            model.named_parameters()))
        avg_t = [self.avg_parameters[k] for k in names]
        src_t = [src[k].detach().to(self.avg_parameters[k].device) for k in names]
        if steps == 0:
            torch._foreach_copy_(avg_t, src_t)
        elif steps % self.interval == 0:
            float_idx = [i for i, t in enumerate(avg_t) if t.dtype.is_floating_point]
            torch._foreach_lerp_([avg_t[i] for i in float_idx],
                                 [src_t[i] for i in float_idx],
                                 self.momentum_at(steps))
        if not self.update_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                torch._foreach_copy_(
                    buffers, [b.to(a.device) for a, b in zip(buffers, model.buffers())])
        self.steps.add_(1)
        self._host_steps = steps + 1
