# mmpretrain's SimSiam (its config's heads, SGD, fixed predictor lr) on the quick MEC config's small network and data.
_base_ = [
    '../_base_/models/r18w16_cifar.py',
    '../_base_/datasets/cifar10_mec_in_memory.py',
    '../_base_/schedules/ssl_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
dim = 512
lr = 0.05
model = dict(
    type='SimSiam',
    backbone={{_base_.backbone}},
    neck=dict(type='NonLinearNeck', in_channels=128, hid_channels=dim, out_channels=dim,
              num_layers=3, with_last_bn_affine=False, with_avg_pool=True),
    head=dict(type='LatentPredictHead', loss=dict(type='CosineSimilarityLoss'),
              predictor=dict(type='NonLinearNeck', in_channels=dim, hid_channels=dim // 4,
                             out_channels=dim, with_avg_pool=False, with_last_bn=False,
                             with_last_bias=True)))
train_dataloader = dict(batch_size=256)
optim_wrapper = dict(
    type='BFloat16OptimWrapper',
    optimizer=dict(type='SGD', lr=lr, weight_decay=1e-4, momentum=0.9),
    paramwise_cfg=dict(custom_keys={'predictor': dict(fix_lr=True)}))
auto_scale_lr = dict(base_batch_size=256, enable=True)
custom_hooks = [dict(type='SimSiamHook', priority='HIGH', fix_pred_lr=True, lr=lr)]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
