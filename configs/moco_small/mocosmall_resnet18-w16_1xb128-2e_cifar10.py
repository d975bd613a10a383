# A CPU demo of the small-model MoCo baseline on real CIFAR-10 (data/cifar10):
# CIFAR ResNet-18 at a quarter width (16-32-64-128 channels, D = 128; wide head
# 128 -> 256 -> 128), 2 epochs of 5,120 images (SpreadSubset: every class) at
# batch 128 = 80 iterations (~5-10 s each on a shared 2-core CPU), k-NN on
# 20,000 training / all 10,000 test images.
#   python tools/train.py configs/moco_small/mocosmall_resnet18-w16_1xb128-2e_cifar10.py \
#       --work-dir work_dirs/mocosmall_quick
#   python tools/analysis/knn_eval.py configs/moco_small/mocosmall_resnet18-w16_1xb128-2e_cifar10.py \
#       work_dirs/mocosmall_quick/epoch_2.pth
# Differences from the official recipe, for an 80-iteration run on a CPU:
# * queue K = 1024 (8 batches of 128; a multiple of the batch, as required),
#   so that the queue holds real keys after 8 iterations. The loss *rises*
#   while random queue entries are replaced by real keys, then falls;
# * key momentum m = 0.99 (momentum=0.01): at m = 0.999 the key encoder would
#   move only 1 - 0.999^80 = 8 % of the way from its random initialisation;
# * BatchNorm split into 8 groups of 16 (SplitBN): on one process MoCo's
#   key shuffle is otherwise a no-op and BN statistics can leak the positive;
# * plain fp32 OptimWrapper (AMP needs a GPU). lr 0.06, SGD, wd 1e-4 and the
#   per-epoch cosine are the official values.
_base_ = [
    '../_base_/models/mocosmall_r18.py',
    '../_base_/datasets/cifar10_mocosmall.py',
    '../_base_/schedules/mocosmall_sgd_coslr_200e.py',
    '../_base_/default_runtime.py',
]
width = 16
max_epochs = 2
model = dict(
    queue_len=1024,
    momentum=0.01,
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18, stem_channels=width,
                  base_channels=width, norm_cfg=dict(type='SplitBN', num_splits=8),
                  zero_init_residual=False),
    neck=dict(in_channels=width * 8))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.06, momentum=0.9, weight_decay=1e-4))
train_cfg = dict(max_epochs=max_epochs)
# Subsets spread evenly over the class-sorted ImageFolder lists.
train_dataloader = dict(batch_size=128, dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=5120, dataset={{_base_.train_dataloader.dataset}}))
knn_train_dataloader = dict(dataset=dict(
    _delete_=True, type='SpreadSubset', num_samples=20000, dataset={{_base_.knn_train_dataloader.dataset}}))
default_hooks = dict(checkpoint=dict(interval=max_epochs, max_keep_ckpts=1), logger=dict(interval=5))
