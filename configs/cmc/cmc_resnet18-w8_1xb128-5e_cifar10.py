# CMC for the 5-epoch CIFAR-10 budget on a 2-core CPU (the same-budget comparison): the quick
# config on the whole training split, each view contrasted with the other view's features of
# the same batch instead of the memory bank, whose stale rows hold it near the pixels at this
# budget. What each choice bought: docs/methods/cmc.md#pitfalls.
_base_ = './cmc_resnet18-w8_1xb128-4e_cifar10.py'
model = dict(contrast='batch')
train_dataloader = dict(dataset=dict(
    _delete_=True, type='CustomDataset', data_root={{_base_.data_root}}, data_prefix='train',
    with_label=False, pipeline={{_base_.train_pipeline}}))
# the k-NN of the same-budget comparison (every row's): 20,000 training images spread over the
# classes and the whole test split, not the quick config's 5,000 and 2,000
knn_train_dataloader = dict(dataset=dict(num_samples=20000))
knn_test_dataloader = dict(dataset=dict(
    _delete_=True, type='CustomDataset', data_root={{_base_.data_root}}, data_prefix='test',
    pipeline={{_base_._eval_pipeline}}))
max_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
