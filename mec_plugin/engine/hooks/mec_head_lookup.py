"""The MEC head a hook works on, found the same way by each MEC hook."""
from mec_plugin.host import get_ori_model


def mec_head(runner, hook: str):
    """``runner.model``'s head (unwrapped from DDP), or a TypeError naming the hook.

    Duck-typed on ``lamda_inv_factor`` (an ``MECHead`` attribute), so that a
    subclass or the MMSelfSup host's registration of the same class passes.
    """
    head = getattr(get_ori_model(runner.model), 'head', None)
    if head is None or not hasattr(head, 'lamda_inv_factor'):
        raise TypeError(f'{hook} needs a model whose head is an MECHead, '
                        f'got {type(head).__name__}')
    return head
