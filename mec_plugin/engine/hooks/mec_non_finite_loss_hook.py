import math

from mmengine.hooks import Hook

from mec_plugin.registry import HOOKS
from .mec_head_lookup import mec_head


@HOOKS.register_module()
class MECStopOnNonFiniteLossHook(Hook):
    """Stops MEC training at the first NaN / inf loss, naming the likely causes.

    The error comes before the loss reaches a checkpoint and names what to
    change: the last spectral radius that :class:`MECTaylorGuardHook` measured,
    1/lambda and eps^2 (a diverged Taylor series), and the lr.

    It reads the loss that ``RuntimeInfoHook`` (priority VERY_HIGH) already
    copied to the MessageHub as a float, so it adds no device sync. mmdet's
    ``CheckInvalidLossHook`` does the same check with a sync per check, every
    50 iterations by default, and an AssertionError without a message.

    Priority ABOVE_NORMAL: before ``MECTaylorGuardHook`` records the radius of
    the diverged step (NaN) over the last one measured before it, and before
    the logger and the checkpoint of that step.
    """

    priority = 'ABOVE_NORMAL'

    def before_train(self, runner) -> None:
        mec_head(runner, type(self).__name__)  # fail before the first step, by name

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        try:
            loss = runner.message_hub.get_scalar('train/loss').current()
        except KeyError:
            return
        if math.isfinite(loss):
            return
        head = mec_head(runner, type(self).__name__)
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
