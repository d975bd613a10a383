# DISSL d = 8192, multi-crop 2 x 224 + 6 x 96, 800 epochs on 8 GPUs x 320: VISSL "dissl_e800_d8192_m8"
# (the only run with the beta warm-up). Details and usage: docs/methods/dissl.md#configs.
_base_ = [
    '../_base_/models/dissl_r50-dim8192.py',
    '../_base_/datasets/imagenet_issl_multicrop.py',
    '../_base_/schedules/issl_lars_coslr_800e.py',
    '../_base_/default_runtime.py',
]
train_pipeline = {{_base_.mc8_pipeline}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [dict(type='DISSLBetaWarmupHook', warmup_iters=1000, start_beta=2.3)]
