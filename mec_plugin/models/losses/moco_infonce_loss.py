"""MoCo's InfoNCE loss with a queue of negatives (He et al. 2020; the improved
small-model baseline of Shi et al., arXiv 2107.14762, uses it unchanged).

For N queries ``q_i``, their positive keys ``k_i`` and a queue of K negative
keys ``u_j`` (all rows L2-normalised by the caller)::

    logits_i = [q_i . k_i, q_i . u_1, ..., q_i . u_K] / T          (1 + K)
    L = -1/N sum_i log softmax(logits_i)_0
      = 1/N sum_i log(1 + sum_j exp((q_i . u_j - q_i . k_i) / T))

It is the cross-entropy of ``logits`` with label 0 and is **not**
symmetrised over the two views (docs/methods/moco_small.md).

Implementation notes:

* Gradients flow into ``q`` only: keys come from the momentum encoder and
  the queue is a buffer, so both are detached here (a caller that forgets
  ``torch.no_grad`` still gets the MoCo gradient).
* Logits are computed in float32 even under AMP. The official code
  (``torch.cuda.amp.autocast``) forms them in float16, whose 11-bit mantissa
  rounds ``q . k / T`` (up to 10 at T = 0.1) to steps of ~0.008.
* The queue is passed as **K x dim rows** (the keys as rows, like ``k``);
  mmpretrain's ``MoCo`` stores it as dim x K, so the algorithm passes
  ``queue.t()``.
"""
import torch
import torch.nn.functional as F
from torch import Tensor


def _check_inputs(q: Tensor, k: Tensor, queue: Tensor, temperature: float) -> None:
    if q.dim() != 2 or k.shape != q.shape:
        raise ValueError('moco_infonce_loss expects q and k of the same shape [N, dim], got '
                         f'{tuple(q.shape)} and {tuple(k.shape)}')
    if queue.dim() != 2 or queue.shape[1] != q.shape[1]:
        raise ValueError(f'queue must be [K, dim] rows with dim = {q.shape[1]} (the width of q), '
                         f'got {tuple(queue.shape)}')
    if not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f'temperature must be a number > 0, got {temperature!r}')


def moco_logits(q: Tensor, k: Tensor, queue: Tensor, temperature: float = 0.1) -> Tensor:
    """``[q . k, q . queue^T] / T``: the N x (1 + K) logits, positive first.

    Args:
        q (Tensor): queries [N, dim], L2-normalised rows.
        k (Tensor): positive keys [N, dim], L2-normalised rows (detached).
        queue (Tensor): negative keys [K, dim], L2-normalised rows (detached).
        temperature (float): T > 0.

    Returns:
        Tensor: [N, 1 + K], float32 (float64 for float64 inputs).
    """
    _check_inputs(q, k, queue, temperature)
    dtype = torch.promote_types(q.dtype, torch.float32)
    with torch.autocast(device_type=q.device.type, enabled=False):
        q = q.to(dtype)
        k = k.detach().to(dtype)
        queue = queue.detach().to(dtype)
        l_pos = (q * k).sum(dim=1, keepdim=True)  # [N, 1]
        l_neg = q @ queue.t()  # [N, K]
        return torch.cat([l_pos, l_neg], dim=1) / temperature


def moco_infonce_loss(q: Tensor, k: Tensor, queue: Tensor, temperature: float = 0.1) -> Tensor:
    """MoCo's InfoNCE: cross-entropy of ``[q.k, q.queue^T] / T`` with label 0.

    ``L = -1/N sum_i log( exp(q_i.k_i / T) / (exp(q_i.k_i / T) + sum_j exp(q_i.u_j / T)) )``

    Args:
        q (Tensor): queries [N, dim], L2-normalised rows (the gradient flows here).
        k (Tensor): positive keys [N, dim], L2-normalised rows (no gradient).
        queue (Tensor): K negative keys as rows, [K, dim] (no gradient).
        temperature (float): T; 0.1 in the small-model baseline (``--moco-t``).

    Returns:
        Tensor: the mean over the N queries, a float32 scalar (float64 for
        float64 inputs). With ``q = k`` and every queue row orthogonal to
        ``q``, ``L = log(1 + K exp(-1/T))`` (1.3801077124 for K = 65536,
        T = 0.1; docs/methods/moco_small.md, "Test vectors").
    """
    logits = moco_logits(q, k, queue, temperature)
    labels = torch.zeros(logits.shape[0], dtype=torch.long, device=logits.device)
    return F.cross_entropy(logits, labels)


__all__ = ['moco_infonce_loss', 'moco_logits']
