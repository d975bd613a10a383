# CISSL, ResNet-50 (d = 2048), ImageNet-1k, 2 x 224 crops, 100 epochs on
# 8 GPUs x 320 images (VISSL cissl_nomulti.yaml): tau = 0.1, the DISSL
# optimiser (LARC trust 0.001, lr 0.3 per 256, wd 1e-6 everywhere, 10 warm-up
# epochs then cosine, AMP, SyncBN).
#   tools/dist_train.sh configs/cissl/cissl_r50_8xb320-100e_in1k.py 8
_base_ = [
    '../_base_/models/cissl_r50.py',
    '../_base_/datasets/imagenet_issl.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
