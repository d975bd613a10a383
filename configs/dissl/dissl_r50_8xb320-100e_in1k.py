# DISSL, ResNet-50 (d = 2048), ImageNet-1k, 2 x 224 crops, 100 epochs on
# 8 GPUs x 320 images (batch 2560): the author's VISSL run "e100_d2048"
# (README: 66.9 % linear top-1).
#   tools/dist_train.sh configs/dissl/dissl_r50_8xb320-100e_in1k.py 8
# SGD in LARC (trust 0.001, no clipping), lr 0.3 per 256 (3.0 here), wd 1e-6
# on everything, 10 warm-up epochs then cosine, AMP, SyncBN; lambda 2.3, beta 0.6 from the
# start (the e100 / e400 VISSL configs set no beta warm-up; only e800 does).
_base_ = [
    '../_base_/models/dissl_r50.py',
    '../_base_/datasets/imagenet_issl.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
