from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mec_plugin.registry import HOOKS


def dissl_beta(iteration: int, warmup_iters: int, start_beta: float, end_beta: float) -> float:
    """beta of VISSL's DISSL warm-up at the 0-based Runner ``iteration``.

    VISSL (``dstl_issl_loss.py``, ``warmup_beta_CE_iter``) increments its step
    counter before use and moves beta linearly with the factor
    ``(1 + step) / warmup_iters``, so iteration i uses ``(i + 2) / warmup_iters``
    (2/1000 first) and beta reaches ``end_beta`` at iteration ``warmup_iters - 2``::

        beta = start + (end - start) * min(1, (i + 2) / warmup_iters)
    """
    if warmup_iters <= 0:
        return end_beta
    factor = min(1.0, (iteration + 2) / warmup_iters)
    return start_beta + (end_beta - start_beta) * factor


@HOOKS.register_module()
class DISSLBetaWarmupHook(Hook):
    """VISSL's warm-up of DISSL's determinism weight beta (2.3 -> 0.6).

    Before every training iteration it writes ``head.current_beta`` from the
    Runner's iteration count, so the schedule survives ``--resume``. The end
    value is the head's ``beta``.

    Args:
        warmup_iters (int): length of the warm-up. 1000 (VISSL e800).
        start_beta (float): beta at the start. 2.3 (= lambda in VISSL).
    """

    priority = 'NORMAL'

    def __init__(self, warmup_iters: int = 1000, start_beta: float = 2.3) -> None:
        if not isinstance(warmup_iters, int) or warmup_iters < 0:
            raise ValueError(f'DISSLBetaWarmupHook: warmup_iters must be an integer >= 0, '
                             f'got {warmup_iters!r}')
        if not start_beta >= 0:
            raise ValueError(f'DISSLBetaWarmupHook: start_beta must be >= 0, got {start_beta!r}')
        self.warmup_iters = warmup_iters
        self.start_beta = float(start_beta)

    @staticmethod
    def _head(runner):
        head = getattr(get_ori_model(runner.model), 'head', None)
        if head is None or not hasattr(head, 'current_beta'):
            raise TypeError('DISSLBetaWarmupHook needs a model whose head is a DISSLHead, '
                            f'got {type(head).__name__}')
        return head

    def before_train(self, runner) -> None:
        self._head(runner)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        head = self._head(runner)
        head.current_beta = dissl_beta(runner.iter, self.warmup_iters, self.start_beta, head.beta)
