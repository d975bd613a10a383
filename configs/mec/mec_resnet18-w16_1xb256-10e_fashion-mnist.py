# The main job (bash tools/quickstart.sh): MEC on Fashion-MNIST in bfloat16 on a CPU, a
# quarter-width CIFAR ResNet-18 with one input channel, 10 epochs. Recipe and figures:
# docs/methods/mec.md#the-quick-start-recipe.
_base_ = [
    '../_base_/models/mec_r18w16_small.py',
    '../_base_/datasets/fashion_mnist_mec.py',
    '../_base_/schedules/mec_sgd_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
# teacher 0.9 -> 1 (a 2,340-iteration run); the exact log-det at eps^2 / d = 1/8
model = dict(backbone=dict(in_channels=1), base_momentum=0.1,
             head=dict(eps_square=64., mode='exact'))
# CPU autocast (the loss stays float32); weight decay 5e-4, not 1e-5:
# docs/methods/mec.md#the-quick-start-recipe
optim_wrapper = dict(type='BFloat16OptimWrapper', optimizer=dict(weight_decay=5e-4))
train_cfg = dict(max_epochs=10)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
