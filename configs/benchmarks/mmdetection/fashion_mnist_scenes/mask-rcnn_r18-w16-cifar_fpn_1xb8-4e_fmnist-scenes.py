# The one-epoch config's Mask R-CNN at four epochs: the schedule of the transfer table.
# One epoch (about 300 iterations) is too short for a pre-trained backbone whose weights are far
# from a fresh network's scale (the main job's 10-epoch checkpoint, BN scales of 0.04-0.16): it
# ends below random init there and above it at four epochs. Usage: docs/user_guides/downstream.md.
_base_ = './mask-rcnn_r18-w16-cifar_fpn_1xb8-1e_fmnist-scenes.py'

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
# the same 50-iteration warm-up, the cosine over the four epochs
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, T_max=max_epochs,
         convert_to_iter_based=True),
]
