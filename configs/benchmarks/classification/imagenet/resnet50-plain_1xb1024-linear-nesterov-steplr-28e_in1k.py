# DISSL's VISSL probe, its plain head ("mlp"): the pooled 2048-d res5 output -> Linear,
# no BatchNorm; everything else as the BN head's config.
_base_ = ['./resnet50_1xb1024-linear-nesterov-steplr-28e_in1k.py']
model = dict(neck=dict(_delete_=True, type='GlobalAveragePooling'))
