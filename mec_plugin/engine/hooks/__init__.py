from mec_plugin.host import HOST
from .atomic_checkpoint_hook import AtomicCheckpointHook, AtomicLocalBackend, atomic_write_bytes
from .mec_compile_check_hook import MECCompileCheckHook
from .mec_lambda_warmup_hook import MECLambdaWarmupHook, lamda_inv_factor
from .mec_non_finite_loss_hook import MECStopOnNonFiniteLossHook
from .mec_taylor_guard_hook import MECTaylorGuardHook

__all__ = ['MECLambdaWarmupHook', 'lamda_inv_factor', 'MECTaylorGuardHook',
           'MECStopOnNonFiniteLossHook', 'MECCompileCheckHook',
           'AtomicCheckpointHook', 'AtomicLocalBackend', 'atomic_write_bytes']
# the comparators are built on mmpretrain: not imported on MMSelfSup 1.x (mec_plugin.host)
if HOST == 'mmpretrain':
    from .dissl_beta_warmup_hook import DISSLBetaWarmupHook, dissl_beta
    from .knn_monitor_hook import KNNMonitorHook  # reads gt_label as mmpretrain's tensor
    from .moco_warm_start_hook import MoCoWarmStartHook, copy_query_to_key, load_matching_state_dict
    from .nce_memory_hook import NCEMemoryHook

    __all__ += ['KNNMonitorHook', 'DISSLBetaWarmupHook', 'dissl_beta', 'NCEMemoryHook',
                'MoCoWarmStartHook', 'copy_query_to_key', 'load_matching_state_dict']
