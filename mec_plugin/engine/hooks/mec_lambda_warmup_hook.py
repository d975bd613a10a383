import math
from typing import Optional

from mmengine.hooks import Hook

from mec_plugin.host import get_ori_model
from mec_plugin.registry import HOOKS


def lamda_inv_factor(iteration: int, warmup_iters: int, start_factor: float) -> float:
    """The official warm-up of 1/lambda as a factor on its final value.

    ``np.linspace(start_factor, 1, warmup_iters)[iteration]`` (both ends
    included, as in the official code), then 1.
    """
    if warmup_iters <= 1 or iteration >= warmup_iters - 1:
        return 1.0
    return start_factor + (1.0 - start_factor) * iteration / (warmup_iters - 1)


@HOOKS.register_module()
class MECLambdaWarmupHook(Hook):
    """1/lambda warm-up and the Taylor-divergence guard of MEC.

    Before every iteration it sets ``head.lamda_inv_factor`` from the Runner's
    iteration count (so the schedule survives ``--resume``): 1/lambda goes
    linearly from ``start_factor / lambda`` (8/lambda officially) to 1/lambda
    over the first ``warmup_epochs`` epochs (or ``warmup_iters``) and stays
    there. Early training is then dominated by the alignment term; the
    higher-order (uniformity) terms switch on as lambda grows.

    A non-finite loss stops training with an error that names the likely
    causes (Taylor divergence, learning rate) instead of training on NaNs.

    Every ``radius_interval`` iterations it asks the head for a cheap
    subspace-iteration estimate of the spectral radius rho(C), logs it as
    ``taylor_radius`` and warns when it reaches ``warn_radius``: the Taylor
    series diverges for rho(C) >= 1. The estimate is read back (one device
    sync) only on those iterations.

    Args:
        warmup_epochs (float): warm-up length in epochs; a fraction such as
            0.25 counts ``int(0.25 * iterations per epoch)`` iterations, as
            MMEngine converts an epoch-based ``LinearLR``'s ``end``, so the
            two warm-ups end together. Defaults to 10.
        warmup_iters (int, optional): warm-up length in iterations; overrides
            ``warmup_epochs`` (needed with an iteration-based loop).
        start_factor (float): 1/lambda starts at ``start_factor`` times its
            final value. Defaults to 8.
        radius_interval (int): iterations between radius estimates; 0 turns
            the guard off. Defaults to 50.
        warn_radius (float): warn at or above this radius. Defaults to 1.
    """

    priority = 'NORMAL'

    def __init__(self,
                 warmup_epochs: float = 10,
                 warmup_iters: Optional[int] = None,
                 start_factor: float = 8.0,
                 radius_interval: int = 50,
                 warn_radius: float = 1.0) -> None:
        if start_factor < 1:
            raise ValueError(f'MECLambdaWarmupHook: start_factor must be >= 1, got {start_factor}')
        if warmup_iters is None and warmup_epochs < 0:
            raise ValueError(f'MECLambdaWarmupHook: warmup_epochs must be >= 0, got {warmup_epochs}')
        if warmup_iters is not None and (not isinstance(warmup_iters, int) or warmup_iters < 0):
            raise ValueError('MECLambdaWarmupHook: warmup_iters must be None or an integer >= 0, '
                             f'got {warmup_iters!r}')
        if not isinstance(radius_interval, int) or radius_interval < 0:
            raise ValueError('MECLambdaWarmupHook: radius_interval must be an integer >= 0 '
                             f'(0 = off), got {radius_interval!r}')
        self.warmup_epochs = warmup_epochs
        self.warmup_iters = warmup_iters
        self.start_factor = start_factor
        self.radius_interval = radius_interval
        self.warn_radius = warn_radius
        self._warned = False

    def _warmup_iters(self, runner) -> int:
        if self.warmup_iters is not None:
            return self.warmup_iters
        return int(self.warmup_epochs * len(runner.train_dataloader))

    @staticmethod
    def _head(runner):
        head = getattr(get_ori_model(runner.model), 'head', None)
        if head is None or not hasattr(head, 'lamda_inv_factor'):
            raise TypeError('MECLambdaWarmupHook needs a model whose head is an '
                            f'MECHead, got {type(head).__name__}')
        return head

    @staticmethod
    def _stop_on_non_finite_loss(runner, head) -> None:
        """Stop before a NaN / inf loss reaches a checkpoint, saying why.

        Reads the loss RuntimeInfoHook (priority VERY_HIGH) already copied to
        the MessageHub as a float, so it adds no device sync.
        """
        try:
            loss = runner.message_hub.get_scalar('train/loss').current()
        except KeyError:
            return
        if math.isfinite(loss):
            return
        radius = runner.message_hub.runtime_info.get('mec_last_radius')
        lr = runner.optim_wrapper.get_lr() if hasattr(runner, 'optim_wrapper') else {}
        raise RuntimeError(
            f'MEC: the loss is {loss} at iteration {runner.iter + 1}; training stopped '
            'before it reaches a checkpoint (the last good one is in the work dir). '
            f'Likely causes: the Taylor series diverged (last spectral radius '
            f'{radius if radius is not None else "not measured"}, 1/lambda = '
            f'{head.last_lamda_inv:.4g}, eps_square = {head.eps_square:g}: raise '
            "eps_square or use model.head.mode='exact'), or the learning rate is too high "
            f'(now {lr}).')

    def before_train(self, runner) -> None:
        # fail before the first step, naming the value, rather than in BatchNorm
        batch = getattr(runner.train_dataloader, 'batch_size', None)
        world = runner.world_size if hasattr(runner, 'world_size') else 1
        if batch is not None and batch * world < 2:
            raise ValueError(
                f'MEC needs a global batch of at least 2 images, got train_dataloader.batch_size'
                f' = {batch} on {world} process(es)')
        # the configs warm the lr up over the same epochs, and MMEngine's LinearLR of one
        # iteration never leaves its start_factor: the run would train at ~0 lr, silently
        if (self.warmup_iters is None and self.warmup_epochs > 0
                and hasattr(runner.train_dataloader, '__len__')
                and self._warmup_iters(runner) < 2):
            raise ValueError(
                f'MECLambdaWarmupHook: warmup_epochs={self.warmup_epochs} is '
                f'{self._warmup_iters(runner)} iteration(s) of this run '
                f'({len(runner.train_dataloader)} per epoch); the lr '
                'warm-up of the same length would leave the lr at its start factor for the whole '
                'run. Use more training images, a smaller batch or more warm-up epochs.')
        self._head(runner)
        cfg = getattr(runner, 'cfg', None)
        compile_cfg = cfg.get('compile', None) if cfg is not None else None
        # MMEngine compiles for True and for any dict, the empty one included
        if compile_cfg is not None and compile_cfg is not False:
            runner.logger.warning(
                'compile=True makes MMEngine torch.compile model.train_step, around values that '
                'change every iteration (the data samples, the lr, the EMA momentum, 1/lambda): '
                "it recompiles at each step until torch's cache limit and then runs eagerly. "
                'Use model.compile=True instead (MEC compiles its backbone, projector, teacher '
                'and loss in place, outside those values) and leave compile unset.')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        head = self._head(runner)
        head.lamda_inv_factor = lamda_inv_factor(runner.iter, self._warmup_iters(runner),
                                                 self.start_factor)
        if (self.radius_interval > 0 and head.mode != 'exact'
                and runner.iter % self.radius_interval == 0):
            head.estimate_radius = True

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        head = self._head(runner)
        self._stop_on_non_finite_loss(runner, head)
        if head.last_radius is None:
            return
        radius = float(head.last_radius)  # the only sync, every radius_interval
        head.last_radius = None
        runner.message_hub.update_scalar('train/taylor_radius', radius)
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
