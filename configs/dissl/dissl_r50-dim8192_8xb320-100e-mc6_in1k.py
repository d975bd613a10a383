# DISSL d = 8192 with multi-crop 2 x 160 + 4 x 96, 100 epochs on 8 GPUs x 320:
# VISSL "dissl_e100_d8192_m6" (README: 70.7 % linear top-1, 88.5 % top-5).
# Crops: _base_/datasets/imagenet_issl_multicrop.py; the distillation CE is
# the uniform mean over the 10 pairs (teacher crop i, student crop q != i).
#   tools/dist_train.sh configs/dissl/dissl_r50-dim8192_8xb320-100e-mc6_in1k.py 8
_base_ = [
    '../_base_/models/dissl_r50-dim8192.py',
    '../_base_/datasets/imagenet_issl_multicrop.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
