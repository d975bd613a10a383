# DISSL, ResNet-50 (d = 2048), multi-crop 2 x 160 + 4 x 96, 400 epochs on
# 8 GPUs x 320: VISSL "e400_d2048_m6" (README: 73.0 % top-1, 91.3 % top-5).
#   tools/dist_train.sh configs/dissl/dissl_r50_8xb320-400e-mc6_in1k.py 8
_base_ = [
    '../_base_/models/dissl_r50.py',
    '../_base_/datasets/imagenet_issl_multicrop.py',
    '../_base_/schedules/issl_lars_coslr_400e.py',
    '../_base_/default_runtime.py',
]
