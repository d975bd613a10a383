# CMC resnet50v3: two ResNet-50s at width 2 (L and ab), ImageNet-1k; everything
# else (batch 4 x 32, crop scale (0.08, 1), schedule) as resnet50v1.
_base_ = './cmc_resnet50v1_4xb32-240e_in1k.py'
model = dict(backbone=dict(encoder=dict(base_channels=128)), neck=dict(in_channels=4096))
