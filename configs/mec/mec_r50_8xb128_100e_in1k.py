# The official batch of 1024 (8 x 128): lr 2.0, 1/lambda 32 after the warm-up
# (from 256), as in the official README's 70.8 % linear-probe checkpoint.
_base_ = '../mec_r50_8xb64_100e.py'
train_dataloader = dict(batch_size=128)
