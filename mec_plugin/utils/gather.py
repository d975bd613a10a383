"""All-gather that keeps gradients, with the semantics of MEC's ``GatherLayer``.

Every rank computes the same loss on the gathered batch. In backward the
incoming gradients are **summed** across ranks before each rank takes its own
slice, so a rank's gradient is ``W * dL/dz_local``; DDP's averaging over W
ranks then recovers the exact full-batch gradient (docs/methods/mec.md, the "gather" row of the defaults).
mmpretrain's ``SimCLR.GatherLayer`` skips the sum, which scales gradients by
1/W and changes the effective learning rate with the number of GPUs.
"""
import torch
import torch.distributed as torch_dist
from mmengine.dist import all_gather, get_world_size
from torch import Tensor


class _GatherWithGrad(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        world_size = torch_dist.get_world_size()
        ctx.rank = torch_dist.get_rank()
        ctx.local_size = x.shape[0]
        out = [torch.empty_like(x) for _ in range(world_size)]
        torch_dist.all_gather(out, x.contiguous())
        return torch.cat(out, dim=0)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.contiguous()
        torch_dist.all_reduce(grad, op=torch_dist.ReduceOp.SUM)
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
