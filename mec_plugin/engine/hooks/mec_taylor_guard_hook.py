from mmengine.hooks import Hook

from mec_plugin.registry import HOOKS
from .mec_head_lookup import mec_head


@HOOKS.register_module()
class MECTaylorGuardHook(Hook):
    """Watches the spectral radius rho(C) of MEC's Taylor series and warns at rho >= 1.

    The series of ``log det(I + C)`` diverges for rho(C) >= 1 and the loss then
    stops measuring the coding length. Every ``radius_interval`` iterations this
    hook asks the head for a cheap subspace-iteration estimate of rho(C) (the
    head computes it inside that step), logs it as ``taylor_radius`` and warns
    when it reaches ``warn_radius``. The estimate is read back (one device sync)
    only on those iterations. ``mode='exact'`` has no series: nothing to watch.

    Args:
        radius_interval (int): iterations between radius estimates; 0 turns
            the guard off. Defaults to 50.
        warn_radius (float): warn at or above this radius. Defaults to 1.
    """

    priority = 'NORMAL'

    def __init__(self, radius_interval: int = 50, warn_radius: float = 1.0) -> None:
        if not isinstance(radius_interval, int) or radius_interval < 0:
            raise ValueError('MECTaylorGuardHook: radius_interval must be an integer >= 0 '
                             f'(0 = off), got {radius_interval!r}')
        self.radius_interval = radius_interval
        self.warn_radius = warn_radius
        self._warned = False

    def before_train(self, runner) -> None:
        mec_head(runner, type(self).__name__)  # fail before the first step, by name

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        head = mec_head(runner, type(self).__name__)
        if (self.radius_interval > 0 and head.mode != 'exact'
                and runner.iter % self.radius_interval == 0):
            head.estimate_radius = True

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        head = mec_head(runner, type(self).__name__)
        if head.last_radius is None:
            return
        radius = float(head.last_radius)  # the only sync, every radius_interval
        head.last_radius = None
        runner.message_hub.update_scalar('train/taylor_radius', radius)
        # for MECStopOnNonFiniteLossHook's message: the last radius measured before a NaN
        runner.message_hub.update_info('mec_last_radius', round(radius, 4))
        if radius >= self.warn_radius and self._warned:
            runner.logger.warning(f'MEC Taylor guard: spectral radius {radius:.3g} at iteration '
                                  f'{runner.iter + 1} (still >= {self.warn_radius:g})')
        elif radius >= self.warn_radius:
            self._warned = True
            runner.logger.warning(
                f'MEC Taylor guard: the spectral radius of C = lambda * P Z^T '
                f'is {radius:.3g} at iteration {runner.iter + 1} (>= {self.warn_radius:g}); '
                f'the order-{head.taylor_order} Taylor series of log det(I + C) '
                f'diverges there and the loss stops measuring the coding length. '
                f'Now 1/lambda = {head.last_lamda_inv:.4g} = m * eps^2 / d * '
                f'{head.lamda_inv_factor:.3g} with eps^2 = eps_square = {head.eps_square:g}. '
                'Raise eps_square (1/lambda grows with it), lengthen the 1/lambda '
                "warm-up, or use the exact log-det (model.head.mode='exact').")
