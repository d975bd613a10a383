# DISSL's own linear probe, d = 2048 (for configs/dissl/dissl_r50_8xb320-100e_in1k.py):
# the author's VISSL fork (YannDubs/vissl), configs/config/benchmark/
# linear_image_classification/imagenet1k/eval_resnet_in1k_linear.yaml, launched
# by bin_final/augeval*.sh on 1 GPU with BATCHSIZE_PER_REPLICA=1024:
# the frozen ResNet-50 in eval mode (FREEZE_TRUNK_ONLY, EVAL_MODE_ON), its
# pooled 2048-d output, the "eval_mlp" head = BatchNorm1d (affine, trained,
# eps 1e-5, momentum 0.1: VISSL's HEAD.BATCHNORM_EPS / _MOMENTUM defaults) +
# Linear(2048, 1000) with PyTorch's default initialisation; SGD nesterov,
# momentum 0.9, lr 0.01 per 256 images auto-scaled (1024 -> 0.04), weight decay
# 5e-4 on the linear weight and bias (regularize_bias) but not on the BN
# (regularize_bn False), 28 epochs, lr x 0.1 after epochs 8, 16 and 24, AMP;
# RandomResizedCrop(224) + flip / Resize(256) + CenterCrop(224), ImageNet
# mean / std. VISSL also trains a second, plain Linear head ("mlp") side by
# side; only the BN head is transcribed here.
#
#   python tools/train.py configs/benchmarks/classification/imagenet/resnet50_1xb1024-linear-nesterov-steplr-28e_in1k.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/dissl_r50_8xb320-100e_in1k/epoch_100.pth

# The frozen ResNet-50 and the data are MEC's probe's (the inherited config);
# the head, batch and optimisation are VISSL's.
_base_ = ['./resnet50_8xb512-linear-lars-coslr-100e_in1k.py']
batch_size_per_gpu = 1024
num_gpus = 1
base_lr = 0.01  # per 256 images
model = dict(
    neck=[
        dict(type='GlobalAveragePooling'),
        # mmpretrain's ClsBatchNormNeck takes no momentum: its BatchNorm1d keeps
        # PyTorch's 0.1, which is VISSL's HEAD.BATCHNORM_MOMENTUM
        dict(type='ClsBatchNormNeck', input_features=2048, affine=True, eps=1e-5),
    ],
    head=dict(init_cfg=None))  # PyTorch's default nn.Linear initialisation, as VISSL's MLP

train_dataloader = dict(batch_size=batch_size_per_gpu, num_workers=16)
val_dataloader = dict(num_workers=16)
test_dataloader = val_dataloader

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',  # VISSL's AMP (pytorch amp)
    loss_scale='dynamic',
    optimizer=dict(type='SGD', lr=base_lr * batch_size_per_gpu * num_gpus / 256, momentum=0.9,
                   nesterov=True, weight_decay=5e-4),
    # norm_decay_mult applies to BN weight and bias only: the fc's weight and
    # bias keep 5e-4 (frozen parameters are left out of the optimiser)
    paramwise_cfg=dict(norm_decay_mult=0.))
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 16, 24], gamma=0.1, by_epoch=True)]
train_cfg = dict(max_epochs=28, val_interval=1)
# VISSL's auto_lr_scaling: `--auto-scale-lr` keeps 0.01 per 256 on another batch
auto_scale_lr = dict(base_batch_size=1024)
default_hooks = dict(checkpoint=dict(interval=4))
