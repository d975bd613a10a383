# mmpretrain's BYOL (its config's heads, LARS and EMA) on the quick MEC config's small network and data.
_base_ = [
    '../_base_/models/r18w16_cifar.py',
    '../_base_/datasets/cifar10_mec_in_memory.py',
    '../_base_/schedules/lars_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
dim = 128
model = dict(
    type='BYOL',
    base_momentum=0.01,
    backbone={{_base_.backbone}},
    neck=dict(type='NonLinearNeck', in_channels=128, hid_channels=4 * dim, out_channels=dim,
              num_layers=2, with_bias=True, with_last_bn=False, with_avg_pool=True),
    head=dict(type='LatentPredictHead', loss=dict(type='CosineSimilarityLoss'),
              predictor=dict(type='NonLinearNeck', in_channels=dim, hid_channels=4 * dim,
                             out_channels=dim, num_layers=2, with_bias=True,
                             with_last_bn=False, with_avg_pool=False)))
train_dataloader = dict(batch_size=256)
# 8x mmpretrain's lr per image (2.4 at batch 256): the best of 0.3-2.4 for a few thousand steps
auto_scale_lr = dict(base_batch_size=512, enable=True)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
