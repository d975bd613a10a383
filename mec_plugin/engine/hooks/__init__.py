from .knn_monitor_hook import KNNMonitorHook
from .mec_lambda_warmup_hook import MECLambdaWarmupHook, lamda_inv_factor

__all__ = ['MECLambdaWarmupHook', 'lamda_inv_factor', 'KNNMonitorHook']
