# Linear probe of CMC resnet50v2 (official LinearProbing.py --layer 6):
# both views' average-pooled layer4 concatenated, 2 x 2048 = 4096
# features, no BN, no normalisation -> Linear ~ N(0, 0.01), lr 30 (README);
# everything else as the resnet50v1 probe.
#
#   python tools/train.py configs/cmc/cmc_resnet50v2_linear-1xb256-60e_in1k.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/cmc_r50v2/epoch_240.pth
_base_ = './cmc_resnet50v1_linear-1xb256-60e_in1k.py'
model = dict(backbone=dict(encoder=dict(base_channels=64)), head=dict(in_channels=4096))
