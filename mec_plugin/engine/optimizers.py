"""LARC: SGD with a layer-wise trust ratio applied to the gradient.

The official code of MEC (its linear probe) and of DISSL / CISSL (VISSL's
``use_larc``) wrap SGD in NVIDIA apex's ``LARC``; apex is not on the current
stack. mmpretrain's ``LARS`` is the same trust ratio but scales the update by
the learning rate *before* the momentum buffer, where LARC hands the scaled
gradient to SGD, whose buffer is then multiplied by the lr. The two agree
while the lr is constant and drift apart under warm-up and cosine schedules;
``LARS`` also reads two norms back to the host per parameter per step.
"""
from typing import Callable, Iterable, Optional

import torch
from torch import Tensor

from mec_plugin.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class LARC(torch.optim.SGD):
    """SGD whose gradients first pass through LARC (You et al., 2017; apex).

    For each parameter ``p`` with gradient ``g`` and the group's weight decay
    ``wd``, before the SGD step::

        r = trust_coefficient * ||p|| / (||g|| + wd * ||p|| + eps)
        r = min(r / lr, 1)                        only with clip=True
        g <- r * (g + wd * p)                     if ||p|| != 0 and ||g|| != 0
        g unchanged, and no weight decay          otherwise (as apex)

    then ``torch.optim.SGD`` (lr, momentum, dampening, nesterov) with weight
    decay 0: the decay is already inside ``g``. The trust ratio is computed on
    the device (``torch.where``, no host read), so a step does not wait for
    the GPU.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate.
        momentum, dampening, nesterov: as ``torch.optim.SGD``.
        weight_decay (float): L2 weight decay, inside the trust ratio.
        trust_coefficient (float): eta. apex's default 0.02; the official MEC
            probe and VISSL's DISSL / CISSL runs use 0.001.
        clip (bool): the lr-relative clipping of apex (``min(r / lr, 1)``).
            apex's default True; MEC and VISSL use False.
        eps (float): added to the denominator. 1e-8.
        foreach (bool, optional): passed to SGD.
    """

    def __init__(self,
                 params: Iterable,
                 lr: float,
                 momentum: float = 0.,
                 dampening: float = 0.,
                 weight_decay: float = 0.,
                 nesterov: bool = False,
                 trust_coefficient: float = 0.02,
                 clip: bool = True,
                 eps: float = 1e-8,
                 foreach: Optional[bool] = None) -> None:
        for name, value in (('lr', lr), ('weight_decay', weight_decay),
                            ('trust_coefficient', trust_coefficient), ('eps', eps)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f'LARC: {name} must be a number >= 0, got {value!r}')
        if not isinstance(clip, bool):
            raise ValueError(f'LARC: clip must be True or False, got {clip!r}')
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening,
                         weight_decay=weight_decay, nesterov=nesterov, foreach=foreach)
        for group in self.param_groups:
            group.setdefault('trust_coefficient', trust_coefficient)
            group.setdefault('clip', clip)
            group.setdefault('eps', eps)

    @torch.no_grad()
    def _scale_gradients(self, group: dict) -> None:
        wd = group['weight_decay']
        for p in group['params']:
            g = p.grad
            if g is None:
                continue
            p_norm = torch.linalg.vector_norm(p)
            g_norm = torch.linalg.vector_norm(g)
            ratio = group['trust_coefficient'] * p_norm / (g_norm + p_norm * wd + group['eps'])
            if group['clip']:
                ratio = torch.clamp(ratio / group['lr'], max=1.)
            active = (p_norm != 0) & (g_norm != 0)
            if wd != 0:  # wd * p where active, + 0 elsewhere (exact either way)
                g.add_(p * (active.to(p.dtype) * wd))
            g.mul_(torch.where(active, ratio, torch.ones_like(ratio)))

    def step(self, closure: Optional[Callable[[], Tensor]] = None) -> Optional[Tensor]:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        decays = []
        for group in self.param_groups:
            self._scale_gradients(group)
            decays.append(group['weight_decay'])
            group['weight_decay'] = 0.  # already in the gradient
        try:
            super().step()
        finally:
            for group, wd in zip(self.param_groups, decays):
                group['weight_decay'] = wd
        return loss


__all__ = ['LARC']
