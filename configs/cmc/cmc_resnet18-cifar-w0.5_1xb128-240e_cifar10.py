# CMC at CIFAR scale: two CIFAR ResNet-18s at width 0.5 (L | ab) on the
# 50,000 CIFAR-10 training images, NCE with K = 4096, T = 0.07, m = 0.5,
# and CMC's ImageNet optimisation (SGD 0.03, step x0.1 at 120/160/200 of
# 240 epochs), batch 128.
_base_ = [
    '../_base_/models/cmc_resnet18_cifar.py',
    '../_base_/datasets/cifar10_cmc.py',
    '../_base_/schedules/cmc_sgd_steplr_240e.py',
    '../_base_/default_runtime.py',
]
model = dict(n_data=50000)
