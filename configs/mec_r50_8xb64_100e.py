# MEC, ResNet-50, ImageNet-1k, 100 epochs on 8 GPUs x 64 images (batch 512):
#   tools/dist_train.sh configs/mec_r50_8xb64_100e.py 8
# The official recipe (xinliu20/MEC) at batch 512: lr = 0.5 * 512 / 256 = 1.0
# (auto_scale_lr), 1/lambda = m * eps^2 / d = 512 * 64 / 2048 = 16 after the
# warm-up (from 128), SyncBN everywhere. The official run used batch 1024:
# see configs/mec/mec_r50_8xb128_100e_in1k.py.
_base_ = [
    '_base_/models/mec_r50.py',
    '_base_/datasets/imagenet_mec.py',
    '_base_/schedules/mec_sgd_coslr_100e.py',
    '_base_/default_runtime.py',
]
