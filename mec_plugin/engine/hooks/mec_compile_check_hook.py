from mmengine.hooks import Hook

from mec_plugin.registry import HOOKS


@HOOKS.register_module()
class MECCompileCheckHook(Hook):
    """Warns, before training, when the config's ``compile`` would recompile MEC every step.

    MMEngine's ``compile=True`` (and any ``compile`` dict) compiles
    ``model.train_step`` around values that change every iteration: MEC's step
    reads 1/lambda, the EMA momentum and the lr. ``model.compile=True`` is
    MEC's own way (:class:`MEC`), which compiles around them.
    Only the Runner sees the config, so the check is a hook.
    """

    def before_train(self, runner) -> None:
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
