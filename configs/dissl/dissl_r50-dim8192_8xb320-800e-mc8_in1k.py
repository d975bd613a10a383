# DISSL d = 8192, multi-crop 2 x 224 + 6 x 96, 800 epochs on 8 GPUs x 320:
# VISSL "dissl_e800_d8192_m8" (README: 73.9 % top-1, 91.9 % top-5; the
# launcher bin_final/dissl_e800_d8192_m8.sh sets 8 processes x 320).
# Global crops RandomResizedCrop(224, (0.14, 1)), locals (96, (0.05, 0.14));
# 10 warm-up epochs (1.25 %), cosine over 790. The only run with the beta
# warm-up: 2.3 -> 0.6 over the first 1000 iterations (warmup_beta_CE_iter).
#   tools/dist_train.sh configs/dissl/dissl_r50-dim8192_8xb320-800e-mc8_in1k.py 8
_base_ = [
    '../_base_/models/dissl_r50-dim8192.py',
    '../_base_/datasets/imagenet_issl_multicrop.py',
    '../_base_/schedules/issl_lars_coslr_800e.py',
    '../_base_/default_runtime.py',
]
train_pipeline = {{_base_.mc8_pipeline}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [dict(type='DISSLBetaWarmupHook', warmup_iters=1000, start_beta=2.3)]
