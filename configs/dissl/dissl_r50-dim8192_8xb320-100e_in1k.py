# DISSL with the "dimensionality" ResNet-50 (d = 8192, the expander block in
# _base_/models/dissl_r50-dim8192.py), 2 x 224 crops, 100 epochs on 8 GPUs x
# 320: VISSL "e100_d8192_m2" (README: 68.9 % top-1).
# The evaluation tools read the 8192-d representation (backbone + neck). Linear
# probes: configs/benchmarks/classification/imagenet/resnet50-dim8192_*.py
#   tools/dist_train.sh configs/dissl/dissl_r50-dim8192_8xb320-100e_in1k.py 8
_base_ = [
    '../_base_/models/dissl_r50-dim8192.py',
    '../_base_/datasets/imagenet_issl.py',
    '../_base_/schedules/issl_lars_coslr_100e.py',
    '../_base_/default_runtime.py',
]
