# A screen, not a recipe: MEC's 5-epoch CIFAR-10 config with no weight decay on the
# BatchNorm parameters and biases (the decay of every weight matrix is unchanged).
_base_ = '../../../configs/mec/mec_resnet18-w16_1xb128-5e_cifar10.py'
optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
