# DISSL's own (VISSL) linear probe, d = 2048: frozen ResNet-50, trained BN + Linear(2048, 1000),
# SGD nesterov lr 0.04 at 1 x 1024, 28 epochs. Details and usage: docs/methods/dissl.md#configs.
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
