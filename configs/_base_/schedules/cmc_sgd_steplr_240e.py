# CMC's pre-training schedule (train_CMC.py): SGD lr 0.03, momentum 0.9,
# wd 1e-4, 240 epochs, lr x0.1 at 120 / 160 / 200. The official rule is
# `epoch > milestone` with 1-indexed epochs, i.e. the 121st epoch is the
# first decayed one; MMEngine counts epochs from 0 and decays when the
# counter reaches the milestone, i.e. also at the 121st epoch.
max_epochs = 240
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[120, 160, 200], gamma=0.1),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
