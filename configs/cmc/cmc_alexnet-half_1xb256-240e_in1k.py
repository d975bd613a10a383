# CMC, split half-width AlexNet on ImageNet-1k, batch 256 on 1 GPU (the README's command),
# NCE with K = 16384, T = 0.07, m = 0.5. Details: docs/methods/cmc.md#configs.
_base_ = [
    '../_base_/models/cmc_alexnet.py',
    '../_base_/datasets/imagenet_cmc.py',
    '../_base_/schedules/cmc_sgd_steplr_240e.py',
    '../_base_/default_runtime.py',
]
model = dict(n_data=1281167)  # checked against the dataset by NCEMemoryHook
train_dataloader = dict(batch_size=256)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
