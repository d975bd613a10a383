# Linear probe of CMC resnet50v2 (official LinearProbing.py --layer 6): 2 x 2048 = 4096 features
# -> Linear, lr 30; the rest as the resnet50v1 probe. Details and usage: docs/methods/cmc.md#configs.
_base_ = './cmc_resnet50v1_linear-1xb256-60e_in1k.py'
model = dict(backbone=dict(encoder=dict(base_channels=64)), head=dict(in_channels=4096))
