from typing import Optional

from mmengine.hooks import Hook

from mec_plugin.registry import HOOKS
from .mec_compile_check_hook import MECCompileCheckHook
from .mec_head_lookup import mec_head
from .mec_non_finite_loss_hook import MECStopOnNonFiniteLossHook
from .mec_taylor_guard_hook import MECTaylorGuardHook

# what plugin 0.1.0's MECLambdaWarmupHook also did, each now a hook of its own;
# in the order it did them (the stop before the radius read)
SPLIT_OUT_HOOKS = (MECStopOnNonFiniteLossHook, MECTaylorGuardHook, MECCompileCheckHook)


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
    """The 1/lambda warm-up of MEC.

    Before every iteration it sets ``head.lamda_inv_factor`` from the Runner's
    iteration count (so the schedule survives ``--resume``): 1/lambda goes
    linearly from ``start_factor / lambda`` (8/lambda officially) to 1/lambda
    over the first ``warmup_epochs`` epochs (or ``warmup_iters``) and stays
    there. Early training is then dominated by the alignment term; the
    higher-order (uniformity) terms switch on as lambda grows.

    MEC's configs list it with :class:`MECTaylorGuardHook` (the spectral-radius
    guard), :class:`MECStopOnNonFiniteLossHook` and :class:`MECCompileCheckHook`.
    Plugin 0.1.0's configs list this hook alone, which then did those three
    jobs too: a run that lists none of them gets them from this hook, as
    before, with one warning that says what to list.

    Args:
        warmup_epochs (float): warm-up length in epochs; a fraction such as
            0.25 counts ``int(0.25 * iterations per epoch)`` iterations, as
            MMEngine converts an epoch-based ``LinearLR``'s ``end``, so the
            two warm-ups end together. Defaults to 10.
        warmup_iters (int, optional): warm-up length in iterations; overrides
            ``warmup_epochs`` (needed with an iteration-based loop).
        start_factor (float): 1/lambda starts at ``start_factor`` times its
            final value. Defaults to 8.
        radius_interval (int, optional): 0.1.0's argument, for a run that
            lists none of the three hooks: the ``radius_interval`` of the
            :class:`MECTaylorGuardHook` this hook then runs (default 50).
        warn_radius (float, optional): likewise, its ``warn_radius`` (default 1).
    """

    priority = 'NORMAL'

    def __init__(self,
                 warmup_epochs: float = 10,
                 warmup_iters: Optional[int] = None,
                 start_factor: float = 8.0,
                 radius_interval: Optional[int] = None,
                 warn_radius: Optional[float] = None) -> None:
        if start_factor < 1:
            raise ValueError(f'MECLambdaWarmupHook: start_factor must be >= 1, got {start_factor}')
        if warmup_iters is None and warmup_epochs < 0:
            raise ValueError(f'MECLambdaWarmupHook: warmup_epochs must be >= 0, got {warmup_epochs}')
        if warmup_iters is not None and (not isinstance(warmup_iters, int) or warmup_iters < 0):
            raise ValueError('MECLambdaWarmupHook: warmup_iters must be None or an integer >= 0, '
                             f'got {warmup_iters!r}')
        self.warmup_epochs = warmup_epochs
        self.warmup_iters = warmup_iters
        self.start_factor = start_factor
        self._guard_args = {name: value for name, value in (('radius_interval', radius_interval),
                                                            ('warn_radius', warn_radius))
                            if value is not None}
        # built now, so that a bad radius_interval fails with the config, by name
        self._split_out = [MECStopOnNonFiniteLossHook(), MECTaylorGuardHook(**self._guard_args),
                           MECCompileCheckHook()]
        self._runs = []  # the split-out hooks this hook runs itself (a 0.1.0 config)

    def _warmup_iters(self, runner) -> int:
        if self.warmup_iters is not None:
            return self.warmup_iters
        return int(self.warmup_epochs * len(runner.train_dataloader))

    def _check_length(self, runner) -> None:
        """Refuse a warm-up in epochs that is shorter than 2 iterations of this run.

        The configs warm the lr up over the same epochs, and MMEngine's LinearLR
        of one iteration never leaves its start_factor: the run would train at
        ~0 lr, silently.
        """
        if (self.warmup_iters is None and self.warmup_epochs > 0
                and hasattr(runner.train_dataloader, '__len__')
                and self._warmup_iters(runner) < 2):
            raise ValueError(
                f'MECLambdaWarmupHook: warmup_epochs={self.warmup_epochs} is '
                f'{self._warmup_iters(runner)} iteration(s) of this run '
                f'({len(runner.train_dataloader)} per epoch); the lr '
                'warm-up of the same length would leave the lr at its start factor for the whole '
                'run. Use more training images, a smaller batch or more warm-up epochs.')

    def _split_out_to_run(self, runner) -> list:
        """All the split-out hooks for a run that lists none of them (a 0.1.0 config), else none.

        A config that lists any of them chose which to run, so they are not added to it.
        """
        names = ', '.join(hook.__name__ for hook in SPLIT_OUT_HOOKS)
        if any(isinstance(hook, SPLIT_OUT_HOOKS) for hook in getattr(runner, 'hooks', [])):
            if self._guard_args:
                given = ', '.join(f'{name}={value!r}' for name, value in self._guard_args.items())
                raise ValueError(
                    f'MECLambdaWarmupHook: {given} is an argument of MECTaylorGuardHook; this '
                    f'hook takes it only in a config that lists none of {names} (a plugin 0.1.0 '
                    'config). Set it on MECTaylorGuardHook in custom_hooks.')
            return []
        runner.logger.warning(
            f'MECLambdaWarmupHook: this config lists none of {names}, which do what plugin '
            "0.1.0's MECLambdaWarmupHook also did (the stop at a non-finite loss, the "
            'Taylor-radius guard, the compile=True warning); this hook runs all three, as then. '
            'List them in custom_hooks to set or leave out each, as '
            'configs/_base_/schedules/mec_sgd_coslr_100e.py does.')
        return self._split_out

    def before_train(self, runner) -> None:
        self._check_length(runner)
        mec_head(runner, 'MECLambdaWarmupHook')  # fail before the first step, by name
        self._runs = self._split_out_to_run(runner)
        for hook in self._runs:
            hook.before_train(runner)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        head = mec_head(runner, 'MECLambdaWarmupHook')
        head.lamda_inv_factor = lamda_inv_factor(runner.iter, self._warmup_iters(runner),
                                                 self.start_factor)
        for hook in self._runs:
            hook.before_train_iter(runner, batch_idx, data_batch)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        for hook in self._runs:
            hook.after_train_iter(runner, batch_idx, data_batch, outputs)
