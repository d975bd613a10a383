# mmpretrain's SimCLR (its config's head, temperature 0.1 and LARS) on the quick MEC config's small network and data.
_base_ = [
    '../_base_/models/r18w16_cifar.py',
    '../_base_/datasets/cifar10_mec_in_memory.py',
    '../_base_/schedules/lars_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='SimCLR',
    backbone={{_base_.backbone}},
    neck=dict(type='NonLinearNeck', in_channels=128, hid_channels=128, out_channels=128,
              num_layers=2, with_avg_pool=True),
    head=dict(type='ContrastiveHead', loss=dict(type='CrossEntropyLoss'), temperature=0.1))
train_dataloader = dict(batch_size=256)
auto_scale_lr = dict(base_batch_size=4096, enable=True)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
