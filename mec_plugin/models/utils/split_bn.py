"""Split BatchNorm: shuffle-BN for one process.

MoCo shuffles the key batch across GPUs so that the key encoder's BatchNorm
statistics come from other samples than the query encoder's: otherwise the
batch statistics leak which key belongs to which query and the contrastive
task is solved without learning a representation (He et al., CVPR 2020,
Sec. 3.3). On one process the shuffle is a permutation inside the one BN
batch, which changes nothing. Splitting the batch into ``num_splits`` groups,
each normalised with its own statistics, makes a single process behave like
``num_splits`` GPUs: after the shuffle, a key's group holds other samples
than its query's. (The MoCo authors' single-GPU CIFAR demo does the same.)

In eval mode the layer is a plain BatchNorm2d with the running statistics, and
its parameters and buffers have BatchNorm2d's names and shapes, so checkpoints,
converters and the evaluation tools see an ordinary BN.
"""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mec_plugin.registry import MODELS


@MODELS.register_module(name=['SplitBN', 'SplitBatchNorm2d'])
class SplitBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics are taken per group of samples.

    Sample ``i`` belongs to group ``i % num_splits``. Running statistics are
    updated per group and averaged over the groups.

    Args:
        num_features (int): channels C.
        num_splits (int): groups per batch; the batch size must be a multiple.
        **kwargs: ``eps``, ``momentum``, ``affine`` of BatchNorm2d.
    """

    def __init__(self, num_features: int, num_splits: int = 8, **kwargs) -> None:
        super().__init__(num_features, **kwargs)
        if not isinstance(num_splits, int) or num_splits < 1:
            raise ValueError(f'SplitBN: num_splits must be a positive integer, got {num_splits!r}')
        if self.momentum is None:
            raise ValueError('SplitBN: momentum=None (a cumulative average) is not supported')
        self.num_splits = num_splits

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.num_splits == 1:
            return super().forward(x)
        n, c, h, w = x.shape
        s = self.num_splits
        if n % s:
            raise ValueError(f'SplitBN: the batch of {n} samples is not a multiple of '
                             f'num_splits = {s} (set the batch size or norm_cfg.num_splits)')
        # [N, C, H, W] -> [N/S, S*C, H, W]: channel j*C + k holds channel k of
        # the samples j, j + S, j + 2S, ... (group j)
        mean, var = self.running_mean.repeat(s), self.running_var.repeat(s)
        weight = self.weight.repeat(s) if self.affine else None
        bias = self.bias.repeat(s) if self.affine else None
        out = F.batch_norm(x.reshape(n // s, s * c, h, w), mean, var, weight, bias, True,
                           self.momentum, self.eps)
        self.running_mean.copy_(mean.view(s, c).mean(0))
        self.running_var.copy_(var.view(s, c).mean(0))
        self.num_batches_tracked.add_(1)
        return out.view(n, c, h, w)
