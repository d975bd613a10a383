"""CMC's two-view memory bank with NCE scores (official ``NCE/NCEAverage.py``).

Everything the bank holds -- both memories, both partition functions and the
flag that says whether Z has been estimated -- is a registered buffer, so it
is saved in the Runner's checkpoints and restored on resume.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_reduce
from torch import Tensor

from ...utils.gather import all_gather_no_grad
from ..losses.nce_loss import momentum_memory_update, nce_partition_estimate


def _all_reduce_mean(x: Tensor) -> Tensor:
    """Mean over ranks (a copy of ``x`` single-process): every rank must use the same Z."""
    x = x.clone()
    all_reduce(x, op='mean')
    return x


class NCEMemoryBank(nn.Module):
    """Two memory banks (view 1 = L, view 2 = ab) of N x feat_dim rows.

    Per step (:meth:`forward`):

    1. K noise indices per anchor, uniform over the N rows **with
       replacement** (so the positive or duplicates may appear, as with the
       official alias sampler); column 0 is the anchor's own index.
    2. Cross-view scores against the *detached* memory of the other view:
       ``s_l[b, j] = <memory_ab[idx_bj], f_l[b]>`` and
       ``s_ab[b, j] = <memory_l[idx_bj], f_ab[b]>``.
    3. NCE mode (``softmax=False``): ``x = exp(s/T) / Z``. ``Z = mean(exp(s/T)) N``
       is estimated on the first batch and then fixed (official), or tracked
       by an EMA ``Z <- zm Z + (1 - zm) Z_batch`` when ``z_momentum`` is set
       (Kaiming He's fix, CMC issue #23: 0.99). Softmax mode returns ``s/T``.

    The memory update (:meth:`update`) is a separate call, made after the
    scores so that they use the pre-update memory; distributed, it gathers
    the features and indices of every rank so that every rank's banks stay
    identical.

    Args:
        n_data (int): N, the dataset size. 0 leaves the banks unallocated
            until :meth:`allocate` (``NCEMemoryHook`` does it from the train
            dataloader) or a checkpoint is loaded.
        feat_dim (int): 128.
        num_noise (int): K.
        temperature (float): T.
        momentum (float): m of the memory update (0.5).
        softmax (bool): score mode, see above.
        z_momentum (float, optional): None = official one-time Z.
    """

    def __init__(self, n_data: int, feat_dim: int = 128, num_noise: int = 16384,
                 temperature: float = 0.07, momentum: float = 0.5, softmax: bool = False,
                 z_momentum: Optional[float] = None) -> None:
        super().__init__()
        if not (isinstance(n_data, int) and n_data >= 0):
            raise ValueError(f'n_data must be an integer >= 0 (0 = size it from the dataset), '
                             f'got {n_data!r}')
        if not (isinstance(feat_dim, int) and feat_dim >= 1):
            raise ValueError(f'feat_dim must be a positive integer, got {feat_dim!r}')
        if not (isinstance(num_noise, int) and num_noise >= 1):
            raise ValueError(f'num_noise (K) must be a positive integer, got {num_noise!r}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        if not 0 <= momentum <= 1:
            raise ValueError(f'momentum (nce_m) must be in [0, 1], got {momentum}')
        if z_momentum is not None and not 0 <= z_momentum < 1:
            raise ValueError(f'z_momentum must be None or in [0, 1), got {z_momentum}')
        self.feat_dim = feat_dim
        self.num_noise = num_noise
        self.temperature = temperature
        self.momentum = momentum
        self.softmax = softmax
        self.z_momentum = z_momentum
        self.register_buffer('memory_l', torch.empty(0, feat_dim))
        self.register_buffer('memory_ab', torch.empty(0, feat_dim))
        # Z of each view; meaningful once `z_ready` is 1.
        self.register_buffer('z_l', torch.zeros(()))
        self.register_buffer('z_ab', torch.zeros(()))
        self.register_buffer('z_ready', torch.zeros((), dtype=torch.long))
        if n_data:
            self.allocate(n_data)

    @property
    def n_data(self) -> int:
        return self.memory_l.shape[0]

    def allocate(self, n_data: int, generator: Optional[torch.Generator] = None) -> None:
        """(Re)initialise both banks U(-s, s), s = 1/sqrt(feat_dim / 3).

        The expected squared norm of a row is then 1; rows are not
        normalised (as in the official code) until first updated.
        """
        if not (isinstance(n_data, int) and n_data >= 1):
            raise ValueError(f'n_data must be a positive integer (the dataset size), got {n_data!r}')
        stdv = 1. / math.sqrt(self.feat_dim / 3)
        device = self.memory_l.device
        for name in ('memory_l', 'memory_ab'):
            mem = torch.rand(n_data, self.feat_dim, generator=generator).mul_(2 * stdv).add_(-stdv)
            setattr(self, name, mem.to(device))  # replaces the registered buffer
        self.z_ready.zero_()

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # A bank built with n_data=0 (sized later by the hook) takes the size
        # of the checkpoint it resumes from instead of failing on the shape.
        for name in ('memory_l', 'memory_ab'):
            saved = state_dict.get(prefix + name)
            if saved is not None and saved.shape != getattr(self, name).shape:
                setattr(self, name, torch.empty_like(saved, device=self.memory_l.device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def check_indices(self, index: Tensor) -> None:
        if self.n_data == 0:
            raise RuntimeError(
                'NCEMemoryBank is not allocated: set model.n_data to the dataset size or add '
                "dict(type='NCEMemoryHook') to custom_hooks")
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= self.n_data):
            raise ValueError(
                f'dataset index out of range: got indices in [{int(index.min())}, '
                f'{int(index.max())}] but the memory bank holds n_data = {self.n_data} rows; '
                'n_data must equal the size of the training dataset')

    def sample_noise(self, index: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """``[B, K+1]`` indices: column 0 = ``index``, the rest uniform with replacement."""
        idx = torch.randint(0, self.n_data, (index.shape[0], self.num_noise + 1),
                            generator=generator, device='cpu' if generator is not None else index.device)
        idx = idx.to(index.device)
        idx[:, 0] = index
        return idx

    def scores(self, f_l: Tensor, f_ab: Tensor, idx: Tensor) -> Tuple[Tensor, Tensor]:
        """Raw cross-view inner products ``(s_l, s_ab)``, each ``[B, K+1]``."""
        b, k1 = idx.shape
        w_ab = self.memory_ab[idx.view(-1)].detach().view(b, k1, -1)
        w_l = self.memory_l[idx.view(-1)].detach().view(b, k1, -1)
        s_l = torch.bmm(w_ab.to(f_l.dtype), f_l.unsqueeze(2)).squeeze(2)
        s_ab = torch.bmm(w_l.to(f_ab.dtype), f_ab.unsqueeze(2)).squeeze(2)
        return s_l, s_ab

    def forward(self, f_l: Tensor, f_ab: Tensor, index: Tensor,
                idx: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Scores of both views: ``(out_l, out_ab)``, each ``[B, K+1]``.

        NCE mode returns ``exp(s/T) / Z``, softmax mode ``s / T``.
        ``idx`` (optional) fixes the sampled indices (tests).
        """
        self.check_indices(index)
        if idx is None:
            idx = self.sample_noise(index)
        s_l, s_ab = self.scores(f_l, f_ab, idx)
        if self.softmax:
            return s_l / self.temperature, s_ab / self.temperature
        # float32 at least: exp(1/0.07) ~ 1.6e6 and Z ~ N, beyond fp16's range
        dtype = torch.promote_types(s_l.dtype, torch.float32)
        e_l = torch.exp(s_l.to(dtype) / self.temperature)
        e_ab = torch.exp(s_ab.to(dtype) / self.temperature)
        if self.training:
            self._update_z(e_l, e_ab)
        if not bool(self.z_ready):
            raise RuntimeError('NCEMemoryBank: Z has not been estimated yet (no training step)')
        return e_l / self.z_l, e_ab / self.z_ab

    @torch.no_grad()
    def _update_z(self, e_l: Tensor, e_ab: Tensor) -> None:
        z_l = _all_reduce_mean(nce_partition_estimate(e_l, self.n_data))
        z_ab = _all_reduce_mean(nce_partition_estimate(e_ab, self.n_data))
        if not bool(self.z_ready):
            self.z_l.copy_(z_l)
            self.z_ab.copy_(z_ab)
            self.z_ready.fill_(1)
        elif self.z_momentum is not None:
            self.z_l.mul_(self.z_momentum).add_(z_l, alpha=1 - self.z_momentum)
            self.z_ab.mul_(self.z_momentum).add_(z_ab, alpha=1 - self.z_momentum)

    @torch.no_grad()
    def update(self, f_l: Tensor, f_ab: Tensor, index: Tensor) -> None:
        """``mem[y] <- normalize(m mem[y] + (1-m) f)`` for both views, on the
        features and indices of every rank."""
        f_l, f_ab = all_gather_no_grad(f_l.detach()), all_gather_no_grad(f_ab.detach())
        index = all_gather_no_grad(index)
        self.check_indices(index)
        for mem, f in ((self.memory_l, f_l), (self.memory_ab, f_ab)):
            new = momentum_memory_update(mem[index], f.to(mem.dtype), self.momentum)
            mem.index_copy_(0, index, new)

    def extra_repr(self) -> str:
        return (f'n_data={self.n_data}, feat_dim={self.feat_dim}, K={self.num_noise}, '
                f'T={self.temperature}, m={self.momentum}, softmax={self.softmax}, '
                f'z_momentum={self.z_momentum}')
