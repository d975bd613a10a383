"""All-gather that keeps gradients, with the semantics of MEC's ``GatherLayer``.

Every rank computes the same loss on the gathered batch. In backward the
incoming gradients are **summed** across ranks before each rank takes its own
slice, so a rank's gradient is ``W * dL/dz_local``; DDP's averaging over W
ranks then recovers the exact full-batch gradient (docs/methods/mec.md, the "gather" row of the defaults).
mmpretrain's ``SimCLR.GatherLayer`` skips the sum, which scales gradients by
1/W and changes the effective learning rate with the number of GPUs.
"""
import torch
from mmengine.dist import all_gather, all_reduce, get_rank, get_world_size
from torch import Tensor


class _GatherWithGrad(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.rank = get_rank()
        ctx.local_size = x.shape[0]
        return torch.cat(all_gather(x.contiguous()), dim=0)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.contiguous()
        all_reduce(grad, op='sum')
        start = ctx.rank * ctx.local_size
        return grad[start:start + ctx.local_size]


def all_gather_with_grad(x: Tensor) -> Tensor:
    """Concatenate ``x`` from every rank along dim 0, keeping gradients.

    Single-process (or world size 1): returns ``x`` itself. Every rank must
    pass the same local batch size (``drop_last=True`` in the sampler).
    """
    if get_world_size() == 1:
        return x
    return _GatherWithGrad.apply(x)


@torch.no_grad()
def all_gather_no_grad(x: Tensor) -> Tensor:
    """Concatenate ``x`` from every rank along dim 0 (no gradient)."""
    if get_world_size() == 1:
        return x
    return torch.cat(all_gather(x.contiguous()), dim=0)
