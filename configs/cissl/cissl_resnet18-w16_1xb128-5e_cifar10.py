# CISSL for the 5-epoch CIFAR-10 budget on a 2-core CPU (the same-budget comparison's row): the
# quick config on the whole training split, 5 epochs at batch 128, its 1-epoch lr warm-up.
# `tools/train.py` on this file alone trains what benchmarks/cifar_same_budget.py trains.
_base_ = './cissl_resnet18-w16_1xb128-2e_cifar10.py'
max_epochs = 5
train_dataloader = dict(dataset=dict(
    _delete_=True, type='CustomDataset', data_root={{_base_.data_root}}, data_prefix='train',
    with_label=False, pipeline={{_base_.train_pipeline}}))
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=50))
