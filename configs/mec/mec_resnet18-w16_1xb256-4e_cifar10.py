# The main job on an ImageFolder tree such as CIFAR-10
# (DATA=/path/with/train-and-test bash tools/quickstart.sh): the same small
# MEC as the Fashion-MNIST demo, 4 epochs on 10,240 training images, k-NN
# with 20,000 training images as memory and the whole test split.
_base_ = [
    '../_base_/models/mec_r18w16_small.py',
    '../_base_/datasets/cifar10_mec.py',
    '../_base_/schedules/mec_sgd_coslr_4e_quick.py',
    '../_base_/default_runtime.py',
]
# Subsets spread evenly over the (possibly class-sorted) training set: a plain
# `indices=N` would keep the first N images, i.e. the first classes only.
train_dataloader = dict(batch_size=256, dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=10240, dataset={{_base_.train_dataloader.dataset}}))
knn_train_dataloader = dict(dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=20000, dataset={{_base_.knn_train_dataloader.dataset}}))
# save only at the end; log every 10 iterations (40 an epoch)
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=1), logger=dict(interval=10))
