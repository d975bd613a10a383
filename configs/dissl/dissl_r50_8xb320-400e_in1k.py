# DISSL, ResNet-50 (d = 2048), 2 x 224 crops, 400 epochs on 8 GPUs x 320:
# VISSL "e400_d2048_m2" (README: 71.1 % linear top-1, 90.2 % top-5).
# The 100-epoch recipe with 10 warm-up epochs (2.5 %) and cosine over 390.
#   tools/dist_train.sh configs/dissl/dissl_r50_8xb320-400e_in1k.py 8
_base_ = [
    '../_base_/models/dissl_r50.py',
    '../_base_/datasets/imagenet_issl.py',
    '../_base_/schedules/issl_lars_coslr_400e.py',
    '../_base_/default_runtime.py',
]
