"""Linear probe on pre-extracted features (the fast path of the linear protocol).

The Runner-based probes (``configs/benchmarks/classification/``) re-run the
frozen backbone on augmented crops every epoch. This trains the same
classifier -- MEC's BatchNorm1d without affine (eps 1e-6, the "MAE trick")
followed by a Linear layer initialised N(0, 0.01) -- on features extracted
once without augmentation, which is what fits on a CPU. It is an
approximation of the protocol (no crop / flip augmentation of the inputs),
and reports say so.
"""
import math
import sys
from typing import Dict, Optional, Union

import torch
import torch.nn as nn
from torch import Tensor


def linear_classifier(in_channels: int, num_classes: int, bn: bool = True,
                      l2_normalise: bool = False) -> nn.Sequential:
    """BN1d(affine=False, eps=1e-6) [or L2-normalisation] + Linear, fc ~ N(0, 0.01), bias 0."""
    fc = nn.Linear(in_channels, num_classes)
    nn.init.normal_(fc.weight, std=0.01)
    nn.init.zeros_(fc.bias)
    layers = []
    if bn:
        layers.append(nn.BatchNorm1d(in_channels, affine=False, eps=1e-6))
    if l2_normalise:
        layers.append(_L2Normalise())
    return nn.Sequential(*layers, fc)


class _L2Normalise(nn.Module):

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.normalize(x, dim=1)


def linear_probe_on_features(train_feats: Tensor, train_labels: Tensor, test_feats: Tensor,
                             test_labels: Tensor, epochs: int = 100, batch_size: int = 4096,
                             lr: Optional[float] = None, optimizer: str = 'lars', bn: bool = True,
                             seed: int = 0, device: Union[str, torch.device] = 'cpu',
                             progress: bool = False) -> Dict:
    """Train a linear classifier on frozen features; report top-1 (%) on the test features.

    Args:
        optimizer (str): ``'lars'`` -- MEC's protocol: SGD in apex's LARC
            (:class:`mec_plugin.engine.LARC`, momentum 0.9, wd 0, trust 0.001,
            no clipping), lr ``0.03 * B / 256``, per-epoch
            cosine to 0; or ``'sgd'`` -- MoCo's: SGD momentum 0.9, wd 0, lr 30,
            x0.1 at 60 % and 80 % of the epochs.
        lr (float, optional): overrides the protocol's learning rate.
        device (str): where the classifier trains ('cpu', 'cuda', ...); the
            features are moved there, the shuffling stays on the CPU's
            generator so the batches do not depend on the device.
        progress (bool): an MMEngine progress bar on stderr, one step per epoch.

    Returns:
        dict: ``top1`` (test), ``train_top1``, the settings used.
    """
    from mec_plugin.engine.optimizers import LARC
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    model = linear_classifier(train_feats.shape[1], num_classes, bn=bn).to(device)
    if optimizer == 'lars':
        lr = 0.03 * batch_size / 256 if lr is None else lr
        opt = LARC(model.parameters(), lr=lr, momentum=0.9, weight_decay=0.,
                   trust_coefficient=0.001, clip=False)
        factor = lambda e: 0.5 * (1 + math.cos(math.pi * e / epochs))  # noqa: E731
    elif optimizer == 'sgd':
        lr = 30. if lr is None else lr
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=0.)
        factor = lambda e: 0.1 ** sum(e >= m for m in (0.6 * epochs, 0.8 * epochs))  # noqa: E731
    else:
        raise ValueError(f"optimizer must be 'lars' or 'sgd', got '{optimizer}'")
    x, y = train_feats.float().to(device), train_labels.long().to(device)
    n = x.shape[0]
    loss_fn = nn.CrossEntropyLoss()
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(epochs, file=sys.stderr)
    for epoch in range(epochs):
        for group in opt.param_groups:
            group['lr'] = lr * factor(epoch)
        model.train()
        order = torch.randperm(n, generator=g)
        # drop_last as the Runner-based probe does, unless that leaves nothing
        stop = n - n % batch_size if n >= batch_size else n
        for b0 in range(0, stop, batch_size):
            idx = order[b0:b0 + batch_size].to(device)
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    model.eval()
    with torch.no_grad():
        test_x, test_y = test_feats.float().to(device), test_labels.to(device)
        top1 = 100. * (model(test_x).argmax(1) == test_y).float().mean().item()
        train_top1 = 100. * (model(x).argmax(1) == y).float().mean().item()
    return dict(top1=top1, train_top1=train_top1, epochs=epochs, batch_size=batch_size, lr=lr,
                optimizer=optimizer, bn=bn)
