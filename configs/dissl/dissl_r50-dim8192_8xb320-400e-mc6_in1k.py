# DISSL d = 8192, multi-crop 2 x 160 + 4 x 96, 400 epochs on 8 GPUs x 320:
# VISSL "e400_d8192_m6" (README: 74.0 % top-1, 91.9 % top-5).
#   tools/dist_train.sh configs/dissl/dissl_r50-dim8192_8xb320-400e-mc6_in1k.py 8
_base_ = [
    '../_base_/models/dissl_r50-dim8192.py',
    '../_base_/datasets/imagenet_issl_multicrop.py',
    '../_base_/schedules/issl_lars_coslr_400e.py',
    '../_base_/default_runtime.py',
]
