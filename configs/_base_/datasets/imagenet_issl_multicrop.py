# Multi-crop ImageNet for DISSL: the m6 crops (2 x 160 + 4 x 96) of
# imagenet_issl.py; the m8 crops (2 x 224 + 6 x 96) are its mc8_pipeline.
_base_ = './imagenet_issl.py'
train_pipeline = {{_base_.mc6_pipeline}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
