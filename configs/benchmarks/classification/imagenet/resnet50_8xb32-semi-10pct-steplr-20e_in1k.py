# Semi-supervised fine-tuning on 10 % of ImageNet labels (see the 1 % config):
# head lr x10, annotation file meta/train_10percent.txt (user-provided).
_base_ = ['./resnet50_8xb32-semi-1pct-steplr-20e_in1k.py']
train_dataloader = dict(dataset=dict(ann_file='meta/train_10percent.txt'))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10.)}))
