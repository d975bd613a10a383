"""Maximum Entropy Coding loss (Liu et al., NeurIPS 2022, arXiv 2210.11464).

The coding length of a batch under Gaussian distortion is
``mu * log det(I + C)`` with ``C = lambda * P Z^T`` built from L2-normalised
rows. MEC approximates ``log det(I + C) = Tr log(I + C)`` by the Taylor series

    Tr sum_{k=1..n} (-1)^(k+1) C^k / k,

which converges while the spectral radius of ``C`` stays below 1.

Implementation notes (why the code looks the way it does):

* ``Tr((P Z^T)^k) = Tr((Z^T P)^k)`` (cyclic trace), so the series is computed on
  whichever side is smaller: m x m (``'batch'``) or d x d (``'feature'``).
* Only powers up to ``ceil(n / 2)`` are formed; ``Tr(A^(a+b))`` is then the
  element-wise sum of ``A^a * (A^b)^T``. Order 4 costs one matrix product
  instead of the official three, and the first term needs none at all.
* lambda is applied to the n scalar traces (``lambda^k / k``), not to the
  matrix: one element-wise pass fewer, forward and backward.
* The whole computation runs in float32 even under AMP: the alternating
  series cancels, and half precision loses the higher terms.
"""
from typing import Optional, Union

import torch
from torch import Tensor
import torch.nn.functional as F

MODES = ('auto', 'batch', 'feature', 'exact')


def check_loss_options(caller: str,
                       mode: Optional[str] = None,
                       order: Optional[int] = None,
                       eps_square: Optional[float] = None,
                       order_name: str = 'order') -> None:
    """The one check of the loss's options: a mode of :data:`MODES`, an integer
    Taylor order >= 1 and eps^2 > 0 (``None`` skips what the caller does not use).

    ``MECHead`` runs it when it is built, so a bad config fails before any data
    is read; the functions of this module run it on every call. The message
    names the caller and the argument as the caller spells it
    (``caller='MECHead', order_name='taylor_order'``: the config's field).
    """
    if mode is not None and mode not in MODES:
        raise ValueError(f"{caller}: mode must be one of {MODES}, got '{mode}'")
    if order is not None and (not isinstance(order, int) or order < 1):
        raise ValueError(f'{caller}: {order_name} must be an integer >= 1, got {order!r}')
    if eps_square is not None and eps_square <= 0:
        raise ValueError(f'{caller}: eps_square must be > 0, got {eps_square}')


def _check_inputs(caller: str, p: Tensor, z: Tensor, lamda_inv: Union[float, Tensor],
                  order: int, mode: str) -> None:
    if p.dim() != 2 or z.dim() != 2 or p.shape != z.shape:
        raise ValueError(f'{caller} expects two 2-D tensors of the same shape '
                         f'[m, d], got {tuple(p.shape)} and {tuple(z.shape)}')
    # the exact log-det has no series: its order is not used, so not checked
    check_loss_options(caller, mode=mode, order=None if mode == 'exact' else order)
    if not isinstance(lamda_inv, Tensor) and not lamda_inv > 0:
        raise ValueError(f'{caller}: lamda_inv (1/lambda) must be > 0, got {lamda_inv}')


def _resolve_side(m: int, d: int, mode: str) -> str:
    if mode in ('batch', 'feature'):
        return mode
    return 'batch' if m <= d else 'feature'


def _coding_matrix(p: Tensor, z: Tensor, lamda_inv: Union[float, Tensor],
                   side: str) -> Tensor:
    """C = lambda * P Z^T (m x m) or lambda * Z^T P (d x d); same spectrum."""
    if side == 'batch':
        return (p @ z.t()) / lamda_inv
    return (z.t() @ p) / lamda_inv


def _normalised_fp32(p: Tensor, z: Tensor):
    """L2-normalised rows in at least float32 (float64 stays float64)."""
    dtype = torch.promote_types(torch.promote_types(p.dtype, z.dtype), torch.float32)
    return F.normalize(p.to(dtype), dim=1), F.normalize(z.to(dtype), dim=1)


def _coefficients(lamda_inv: Union[float, Tensor], order: int) -> list:
    """a_k = (-1)^(k+1) lambda^k / k, k = 1..order: the series' weights on Tr(G^k).

    Python floats for a float ``lamda_inv`` (a tensor of them would be a
    host-to-device copy, a sync, per call); 0-dim tensors for a tensor one.
    """
    return [(-1.0)**k / (k + 1) * lamda_inv**-(k + 1) for k in range(order)]


def _gram_power_traces(p: Tensor, z: Tensor, order: int, side: str) -> list:
    """Tr(G^k), k = 1..order, for the unscaled G = P Z^T (or Z^T P).

    lambda stays out of G: it goes into the coefficients, which saves an
    element-wise pass over the m x m (or d x d) matrix and its gradient.
    """
    # Tr(G) = sum_i <p_i, z_i>: no matrix product needed.
    traces = [torch.dot(p.reshape(-1), z.reshape(-1))]
    if order > 1:
        g = p @ z.t() if side == 'batch' else z.t() @ p
        half = (order + 1) // 2
        powers = [g]  # powers[i] = G^(i+1)
        for _ in range(1, half):
            powers.append(powers[-1] @ g)
        for k in range(2, order + 1):
            a = min(k - 1, half)
            b = k - a
            # Tr(G^a G^b) = sum_ij (G^a)_ij (G^b)_ji
            traces.append((powers[a - 1] * powers[b - 1].t()).sum())
    return traces


def _weighted_traces(p: Tensor, z: Tensor, lamda_inv: Union[float, Tensor], order: int,
                     mode: str) -> tuple:
    """Tr(G^k) of the normalised (at least float32) rows, and their weights a_k."""
    p, z = _normalised_fp32(p, z)
    traces = _gram_power_traces(p, z, order, _resolve_side(p.shape[0], p.shape[1], mode))
    return traces, _coefficients(lamda_inv, order)


def taylor_trace_terms(p: Tensor,
                       z: Tensor,
                       lamda_inv: Union[float, Tensor],
                       order: int = 4,
                       mode: str = 'auto') -> Tensor:
    """Each term ``(-1)^(k+1) Tr(C^k) / k`` of the series, for k = 1..order.

    Args:
        p (Tensor): teacher embeddings, shape [m, d] (rows are normalised here).
        z (Tensor): student embeddings, shape [m, d].
        lamda_inv (float | Tensor): 1 / lambda, with lambda = d / (m eps^2).
        order (int): Taylor order n >= 1.
        mode (str): 'auto', 'batch' or 'feature' (the side of C to use).

    Returns:
        Tensor: vector of shape [order] (float32, or float64 for float64
        inputs); its sum is the truncated
        ``Tr log(I + C)``.
    """
    if mode == 'exact':
        raise ValueError("taylor_trace_terms has no 'exact' mode")
    _check_inputs('taylor_trace_terms', p, z, lamda_inv, order, mode)
    with torch.autocast(device_type=p.device.type, enabled=False):
        traces, coefficients = _weighted_traces(p, z, lamda_inv, order, mode)
        return torch.stack([t * a for t, a in zip(traces, coefficients)])


def mec_loss(p: Tensor,
             z: Tensor,
             lamda_inv: Union[float, Tensor],
             order: int = 4,
             mode: str = 'auto') -> Tensor:
    """The MEC trace ``Tr sum_{k=1..order} (-1)^(k+1) C^k / k`` for one pair.

    ``C = norm(p) norm(z)^T / lamda_inv`` with rows L2-normalised (teacher on
    rows, student on columns, as in the official ``loss_func``).

    Args:
        p (Tensor): teacher embeddings [m, d].
        z (Tensor): student embeddings [m, d].
        lamda_inv (float | Tensor): 1 / lambda.
        order (int): Taylor order (ignored by ``mode='exact'``).
        mode (str): ``'batch'`` (m x m), ``'feature'`` (d x d, the same value
            by the cyclic trace), ``'auto'`` (the cheaper side) or ``'exact'``
            (``log |det(I + C)|`` on the cheaper side, by Sylvester's identity).

    Returns:
        Tensor: a scalar, float32 for half / bfloat16 / float32 inputs. The training loss of MEC is
        ``-lamda_inv * (mec_loss(p1, z2) + mec_loss(p2, z1)) / (2 m)``
        (see :class:`mec_plugin.models.heads.MECHead`).
    """
    _check_inputs('mec_loss', p, z, lamda_inv, order, mode)
    if mode != 'exact':
        with torch.autocast(device_type=p.device.type, enabled=False):
            traces, coefficients = _weighted_traces(p, z, lamda_inv, order, mode)
            total = traces[0] * coefficients[0]
            for t, a in zip(traces[1:], coefficients[1:]):
                # one fused multiply-add per term where a is a Python float
                total = total.add(t, alpha=a) if isinstance(a, float) else total + t * a
            return total
    with torch.autocast(device_type=p.device.type, enabled=False):
        p, z = _normalised_fp32(p, z)
        m, d = p.shape
        c = _coding_matrix(p, z, lamda_inv, _resolve_side(m, d, 'auto'))
        eye = torch.eye(c.shape[0], device=c.device, dtype=c.dtype)
        return torch.linalg.slogdet(eye + c).logabsdet


@torch.no_grad()
def taylor_spectral_radius(p: Tensor,
                           z: Tensor,
                           lamda_inv: Union[float, Tensor],
                           num_iters: int = 20,
                           block: int = 16,
                           generator: Optional[torch.Generator] = None
                           ) -> Tensor:
    """Estimate the spectral radius rho(C) of ``C = lambda norm(p) norm(z)^T``.

    The Taylor series of MEC diverges once rho(C) >= 1 (docs/methods/mec.md, "Divergence guard"). C is
    not symmetric and, for clustered embeddings, has several eigenvalues of
    similar size, where plain power iteration converges slowly and
    *under*-estimates. So this is subspace iteration on a block of ``block``
    vectors followed by Rayleigh-Ritz: the largest |eigenvalue| of
    ``Q^T C Q``. It converges with the ratio of the (block+1)-th to the first
    eigenvalue. Each step costs two [m, d] x [d, block] products (C itself is
    never formed).

    Returns:
        Tensor: a 0-dim float tensor on ``p``'s device (NaN for non-finite
        embeddings).
    """
    with torch.autocast(device_type=p.device.type, enabled=False):
        p, z = _normalised_fp32(p, z)
        block = min(block, p.shape[0])
        q = torch.randn(p.shape[0], block, device=p.device, dtype=p.dtype,
                        generator=generator)
        for _ in range(num_iters):
            q = torch.linalg.qr(p @ (z.t() @ q))[0]
        ritz = q.t() @ (p @ (z.t() @ q)) / lamda_inv
        # torch 2.14's CPU eigvals segfaults on NaN input: a non-finite batch
        # (diverged training) gets NaN back, decided without a device sync
        finite = torch.isfinite(ritz).all()
        radius = torch.linalg.eigvals(torch.where(finite, ritz, 0.)).abs().max()
        return torch.where(finite, radius, float('nan'))


def coding_length_scale(m: int, d: int) -> float:
    """mu = (m + d) / 2, the factor that turns the per-sample trace into the
    per-sample coding length logged by the official code."""
    return (m + d) / 2.0


def lamda_inv_from_eps(m: int, d: int, eps_square: float) -> float:
    """1/lambda = m * eps^2 / d (lambda = d / (m eps^2), docs/methods/mec.md)."""
    check_loss_options('lamda_inv_from_eps', eps_square=eps_square)
    return m * eps_square / d


__all__ = [
    'mec_loss', 'taylor_trace_terms', 'taylor_spectral_radius',
    'coding_length_scale', 'lamda_inv_from_eps'
]
