# DISSL's VISSL probe, its res5 head: res5 -> AvgPool2d(6, stride 1) -> BatchNorm2d(2048)
# -> flatten (8192-d) -> Linear; everything else as the 2048-d head's config.
_base_ = ['./resnet50_1xb1024-linear-nesterov-steplr-28e_in1k.py']
model = dict(
    neck=dict(_delete_=True, type='PoolBNFlattenNeck', in_channels=2048, kernel_size=6, stride=1),
    head=dict(in_channels=8192))
