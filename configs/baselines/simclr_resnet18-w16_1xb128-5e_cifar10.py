# SimCLR for the 5-epoch CIFAR-10 budget on a 2-core CPU (the same-budget comparison's row): the
# batch-256 config at batch 128 with its lr per step kept (0.3: the scaling base halves with the
# batch), 5 epochs. `tools/train.py` on this file alone trains what
# benchmarks/cifar_same_budget.py trains.
_base_ = './simclr_resnet18-w16_1xb256-4e_cifar10.py'
max_epochs = 5
train_dataloader = dict(batch_size=128)
auto_scale_lr = dict(base_batch_size=2048)  # 4.8 x 128 / 2048 = 0.3 per step, as at batch 256
train_cfg = dict(max_epochs=max_epochs)
