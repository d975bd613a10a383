# The main job on an ImageFolder tree such as CIFAR-10 (DATA=/path/with/train-and-test bash
# tools/quickstart.sh): the Fashion-MNIST job's MEC with 3 input channels, bfloat16, in-memory images.
_base_ = [
    '../_base_/models/mec_r18w16_small.py',
    '../_base_/datasets/cifar10_mec_in_memory.py',
    '../_base_/schedules/mec_sgd_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
# the main job's recipe: teacher 0.9 -> 1, the exact log-det at eps^2 / d = 1/8
model = dict(base_momentum=0.1, head=dict(eps_square=64., mode='exact'))
train_dataloader = dict(batch_size=256)
# CPU autocast (the loss stays float32); weight decay 5e-4, not 1e-5:
# docs/results.md#fashion-mnist-10-epochs-on-2-cpu-cores
optim_wrapper = dict(type='BFloat16OptimWrapper', optimizer=dict(weight_decay=5e-4))
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=50))
