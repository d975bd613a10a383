# Linear probe of CMC resnet50v3 (official LinearProbing.py --layer 6):
# both views' average-pooled layer4 concatenated, 2 x 4096 = 8192
# features, no BN, no normalisation -> Linear ~ N(0, 0.01), lr 50 (README);
# everything else as the resnet50v1 probe.
#
#   python tools/train.py configs/cmc/cmc_resnet50v3_linear-1xb256-60e_in1k.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/cmc_r50v3/epoch_240.pth
_base_ = './cmc_resnet50v1_linear-1xb256-60e_in1k.py'
model = dict(backbone=dict(encoder=dict(base_channels=128)), head=dict(in_channels=8192))
optim_wrapper = dict(optimizer=dict(lr=50.))
