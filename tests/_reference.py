"""The official MEC objective and training step, written once, independently of
the plugin: what the tests (``tests/``, ``tests_mmselfsup/``) and the speed
benchmarks (``benchmarks/mec_loss.py``, ``benchmarks/train_step.py``) compare
the plugin with.

The official ``loss_func`` (docs/methods/mec.md): with the rows of the teacher
output ``p`` and the student output ``z`` L2-normalised and
``C = p z^T / lamda_inv`` (m x m), the order-n coding length is
``Tr sum_{k=1..n} (-1)^(k+1) C^k / k``, each power one more m x m product; the
trained objective of one pair is ``-lamda_inv * that / m``.

Only numpy and torch (torchvision for :class:`PlainMEC`) are imported, never
``mec_plugin``: the benchmarks load it without the package's start-up, and it
stays an independent transcription. Tests import it as ``_reference`` (pytest's
``pythonpath = tests``); the benchmarks put ``tests/`` on ``sys.path``.
"""
import copy
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

#: the official EMA momentum of the teacher at the start of training
BASE_MOMENTUM = 0.996


# --------------------------------------------------------------------------- the loss
def np_trace_series(p, z, lamda_inv: float, order: int) -> float:
    """float64 numpy: sum_k (-1)^(k+1) tr(C^k) / k by repeated products."""
    p = p / np.linalg.norm(p, axis=1, keepdims=True)
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    c = p @ z.T / lamda_inv
    total, ck = 0.0, np.eye(len(c))
    for k in range(1, order + 1):
        ck = ck @ c
        total += (-1)**(k + 1) * np.trace(ck) / k
    return total


def np_logdet(p, z, lamda_inv: float) -> float:
    """float64 numpy: log det(I_m + C), the quantity the series approximates."""
    p = p / np.linalg.norm(p, axis=1, keepdims=True)
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    return np.linalg.slogdet(np.eye(len(p)) + p @ z.T / lamda_inv)[1]


def repeated_product_trace(p: torch.Tensor, z: torch.Tensor, lamda_inv: float,
                           order: int = 4) -> torch.Tensor:
    """Tr sum_{k=1..n} (-1)^(k+1) C^k / k in torch, with autograd.

    A direct transcription of the official form: the k-th power is formed by
    one more m x m product each step and added, with its sign and 1/k, to a
    running m x m sum whose trace is returned. Computed in float32 (at
    least), like the plugin, outside any autocast region.
    """
    dtype = torch.promote_types(p.dtype, torch.float32)
    with torch.autocast(device_type=p.device.type, enabled=False):
        p = F.normalize(p.to(dtype), dim=1)
        z = F.normalize(z.to(dtype), dim=1)
        c = torch.matmul(p, z.transpose(0, 1)) / lamda_inv
        power = c
        total = torch.zeros_like(c)
        for k in range(order):
            if k > 0:
                power = torch.matmul(power, c)
            total = total + ((-1.0)**k / (k + 1)) * power
        return torch.trace(total)


def exact_logdet(p: torch.Tensor, z: torch.Tensor, lamda_inv: float) -> torch.Tensor:
    """log |det(I_m + C)| on the m x m side in torch, float32 (at least)."""
    dtype = torch.promote_types(p.dtype, torch.float32)
    with torch.autocast(device_type=p.device.type, enabled=False):
        p = F.normalize(p.to(dtype), dim=1)
        z = F.normalize(z.to(dtype), dim=1)
        c = p @ z.t() / lamda_inv
        eye = torch.eye(c.shape[0], dtype=c.dtype, device=c.device)
        return torch.linalg.slogdet(eye + c)[1]


# --------------------------------------------------------------------------- the training step
def official_projector(prev_dim: int, dim: int) -> nn.Sequential:
    """Linear-BN-ReLU x2, Linear (frozen bias, it feeds a BN), BN without affine."""
    last = nn.Linear(prev_dim, dim)
    last.bias.requires_grad = False
    return nn.Sequential(nn.Linear(prev_dim, prev_dim, bias=False), nn.BatchNorm1d(prev_dim),
                         nn.ReLU(inplace=True), nn.Linear(prev_dim, prev_dim, bias=False),
                         nn.BatchNorm1d(prev_dim), nn.ReLU(inplace=True), last,
                         nn.BatchNorm1d(dim, affine=False))


class PlainMEC(nn.Module):
    """The official model layout: encoder = torchvision ResNet with the projector
    as ``fc``; predictor; teacher = a frozen deep copy of the encoder."""

    def __init__(self, depth: int, dim: int, pred_dim: int) -> None:
        super().__init__()
        import torchvision
        arch = getattr(torchvision.models, f'resnet{depth}')
        self.encoder = arch(num_classes=dim, zero_init_residual=True)
        prev_dim = self.encoder.fc.weight.shape[1]
        self.encoder.fc = official_projector(prev_dim, dim)
        self.predictor = nn.Sequential(nn.Linear(dim, pred_dim, bias=False),
                                       nn.BatchNorm1d(pred_dim), nn.ReLU(inplace=True),
                                       nn.Linear(pred_dim, dim))
        self.teacher = copy.deepcopy(self.encoder)
        for p in self.teacher.parameters():
            p.requires_grad = False


def official_momentum(i: int, total_iters: int, base: float = BASE_MOMENTUM) -> float:
    """The teacher's EMA momentum at iteration ``i``: cosine from ``base`` to 1."""
    return 1 - (1 - base) * (math.cos(math.pi * i / total_iters) + 1) / 2


def plain_train_step(model: PlainMEC, optimizer: torch.optim.Optimizer, x1: torch.Tensor,
                     x2: torch.Tensor, lamda_inv: float, momentum: float,
                     amp: bool = False) -> float:
    """One step of the official ``main_pretrain.py`` on normalised views x1, x2.

    The four forward passes (bf16 autocast when ``amp``), the symmetric
    order-4 loss by repeated products in float32 (the series cancels; bf16
    would lose it), backward and the optimizer step, then the teacher's
    per-parameter EMA; returns ``loss.item()``, the official AverageMeter
    update.
    """
    m = x1.shape[0]
    with torch.autocast(x1.device.type, dtype=torch.bfloat16, enabled=amp):
        z1 = model.predictor(model.encoder(x1))
        z2 = model.predictor(model.encoder(x2))
        with torch.no_grad():
            p1, p2 = model.teacher(x1), model.teacher(x2)
    p1, p2, z1, z2 = p1.float(), p2.float(), z1.float(), z2.float()
    loss = -lamda_inv * 0.5 * (repeated_product_trace(p1, z2, lamda_inv)
                               + repeated_product_trace(p2, z1, lamda_inv)) / m
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():  # per-parameter EMA, as the official code
        for pt, ps in zip(model.teacher.parameters(), model.encoder.parameters()):
            pt.data = pt.data * momentum + ps.data * (1 - momentum)
    return loss.item()
