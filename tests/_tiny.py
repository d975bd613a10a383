"""Tiny MEC configs shared by the tests (BN instead of SyncBN, small widths)."""
import copy

D, HID, PRED = 32, 32, 16


def tiny_mec_model(eps_square=64., order=4, mode='auto', in_channels=3):
    return dict(
        type='MEC',
        base_momentum=0.004,
        end_momentum=0.,
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[127.5] * in_channels,
                               std=[64.] * in_channels),
        backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=in_channels, stem_channels=8,
                      base_channels=8, norm_cfg=dict(type='BN'), zero_init_residual=True),
        neck=dict(type='MECProjector', in_channels=64, hid_channels=HID, out_channels=D,
                  norm_cfg=dict(type='BN1d')),
        head=dict(type='MECHead',
                  predictor=dict(type='NonLinearNeck', in_channels=D, hid_channels=PRED,
                                 out_channels=D, with_avg_pool=False, with_last_bn=False,
                                 with_last_bias=True, norm_cfg=dict(type='BN1d')),
                  eps_square=eps_square, taylor_order=order, mode=mode))


def copy_cfg(cfg):
    return copy.deepcopy(cfg)


def mec_hooks(radius_interval=1, **warmup):
    """MEC's custom_hooks as its configs list them: the 1/lambda warm-up (``warmup``:
    its arguments), the Taylor-radius guard, the non-finite-loss stop, the compile check."""
    return [dict(type='MECLambdaWarmupHook', **warmup),
            dict(type='MECTaylorGuardHook', radius_interval=radius_interval),
            dict(type='MECStopOnNonFiniteLossHook'),
            dict(type='MECCompileCheckHook')]
