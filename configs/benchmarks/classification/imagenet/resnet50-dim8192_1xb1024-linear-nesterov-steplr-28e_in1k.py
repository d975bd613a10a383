# DISSL's own linear probe of the d = 8192 representation (for
# configs/dissl/dissl_r50-dim8192_*): the author's VISSL fork,
# benchmark/linear_image_classification/imagenet1k/eval_resnet_in1k_linear_z8.yaml,
# launched by bin_final/augeval_z8.sh on 1 GPU x 1024. Its frozen trunk is the
# ResNet-50 and the dimensionality expander (2048 -> 512 -> 8192, then the
# average pool: "res5avg"), here the frozen backbone and the frozen
# DimExpanderNeck (pooled, BN statistics kept); then the trained BN (affine) +
# Linear(8192, 1000). The rest is the d = 2048 config's (SGD nesterov, lr 0.04
# at 1 x 1024, wd 5e-4 except on BN, 28 epochs, x 0.1 after 8 / 16 / 24, AMP;
# only the BN head of VISSL's two). Both frozen parts load from the
# pre-training checkpoint, so name it twice:
#
#   python tools/train.py configs/benchmarks/classification/imagenet/resnet50-dim8192_1xb1024-linear-nesterov-steplr-28e_in1k.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/dissl_r50-dim8192_8xb320-100e_in1k/epoch_100.pth \
#                     model.neck.0.init_cfg.checkpoint=work_dirs/dissl_r50-dim8192_8xb320-100e_in1k/epoch_100.pth
_base_ = [
    './resnet50_1xb1024-linear-nesterov-steplr-28e_in1k.py',
    '../../../_base_/models/dissl_r50-dim8192_probe_expander.py',
]
rep_dim = 8192
model = dict(
    neck=[
        {{_base_.probe_expander}},
        dict(type='ClsBatchNormNeck', input_features=rep_dim, affine=True, eps=1e-5),
    ],
    head=dict(in_channels=rep_dim))
