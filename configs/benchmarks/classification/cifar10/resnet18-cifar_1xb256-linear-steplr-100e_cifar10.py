# MoCo's linear probe at CIFAR scale: frozen CIFAR ResNet-18, linear layer ~ N(0, 0.01), SGD lr 30,
# momentum 0.9, wd 0, batch 256, x0.1 at epochs 60 and 80, 100 epochs.
_base_ = ['./resnet18-cifar_1xb4096-linear-lars-coslr-100e_cifar10.py']
model = dict(neck=dict(_delete_=True, type='GlobalAveragePooling'))
train_dataloader = dict(batch_size=256)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=30., momentum=0.9, weight_decay=0.))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80],
                        gamma=0.1)]
auto_scale_lr = dict(base_batch_size=256)
