# CMC at CIFAR scale: two CIFAR ResNet-18s at width 0.5 (L | ab) on CIFAR-10, NCE with K = 4096,
# CMC's ImageNet optimisation, batch 128, 240 epochs. Details: docs/methods/cmc.md#configs.
_base_ = [
    '../_base_/models/cmc_resnet18_cifar.py',
    '../_base_/datasets/cifar10_cmc.py',
    '../_base_/schedules/cmc_sgd_steplr_240e.py',
    '../_base_/default_runtime.py',
]
model = dict(n_data=50000)
