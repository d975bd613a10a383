"""A cosine on the progress of the whole run (VISSL's ``interval_scaling: fixed``)."""
import math

from mmengine.optim.scheduler import CosineAnnealingLR
from mmengine.optim.scheduler.param_scheduler import INF

from mec_plugin.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class WholeRunCosineAnnealingLR(CosineAnnealingLR):
    r"""Cosine annealing evaluated on the whole run's progress, not its own segment's.

    At global step :math:`t \in [\text{begin}, \text{end})`

    .. math::
        \eta_t = \eta_{min} + \tfrac12(\eta_{max} - \eta_{min})
                 \left(1 + \cos\left(\pi\, t / \text{end}\right)\right)

    with :math:`\eta_{max}` the optimiser's initial lr. VISSL's composite
    schedule ``[linear warm-up, cosine]`` with ``interval_scaling: [rescaled,
    fixed]`` is a LinearLR on ``[0, begin)`` followed by this: after the
    warm-up the cosine continues where a cosine over the whole run from step
    0 would be (lr(begin) < lr max), whereas MMEngine's CosineAnnealingLR
    would start again from the top and stretch over the remaining steps.
    Not chainable: the value is computed from the initial lr, so resuming
    gives the same lr whatever ran before. Leave ``end`` unset in a config:
    the Runner ends it at ``train_cfg.max_epochs``.

    Args:
        eta_min (float): Defaults to 0.
        eta_min_ratio (float, optional): eta_min as a fraction of the initial lr.
        begin, end, by_epoch, last_step, verbose: as in ``CosineAnnealingLR``.
    """

    def __init__(self, optimizer, T_max=None, eta_min=None, begin: int = 0, end: int = INF,
                 last_step: int = -1, by_epoch: bool = True, verbose: bool = False,
                 eta_min_ratio=None) -> None:
        if T_max is not None:
            raise ValueError('WholeRunCosineAnnealingLR: the period is the whole run (step 0 to '
                             f'end); T_max is not an argument, got T_max={T_max}')
        if end == INF:
            raise ValueError('WholeRunCosineAnnealingLR needs a finite end (the Runner sets it '
                             'to train_cfg.max_epochs when the config gives none)')
        super().__init__(optimizer, T_max=None, eta_min=eta_min, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose,
                         eta_min_ratio=eta_min_ratio)

    def _get_value(self):
        progress = (self.begin + self.last_step) / self.end
        factor = (1 + math.cos(math.pi * progress)) / 2
        values = []
        for base in self.base_values:
            eta_min = self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio
            values.append(eta_min + (base - eta_min) * factor)
        return values
