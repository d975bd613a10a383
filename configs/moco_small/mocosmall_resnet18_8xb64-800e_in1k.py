# The 800-epoch schedule of the paper (and of the README command).
_base_ = './mocosmall_resnet18_8xb64-200e_in1k.py'
train_cfg = dict(max_epochs=800)
