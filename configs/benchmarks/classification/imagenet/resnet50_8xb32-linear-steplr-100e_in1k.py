# MoCo's linear probe (main_lincls.py): frozen ResNet-50, linear layer ~ N(0, 0.01), SGD lr 30,
# batch 256 = 8 x 32, x0.1 at epochs 60 and 80, 100 epochs. Usage: docs/user_guides/evaluation.md#config-notes.
_base_ = ['./resnet50_8xb512-linear-lars-coslr-100e_in1k.py']
model = dict(neck=dict(_delete_=True, type='GlobalAveragePooling'))
train_dataloader = dict(batch_size=32)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=30., momentum=0.9, weight_decay=0.))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80],
                        gamma=0.1)]
auto_scale_lr = dict(base_batch_size=256)
