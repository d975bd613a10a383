"""DAVIS region and boundary measures (J, F) and their sequence statistics.

The definitions are those of the DAVIS benchmark (Perazzi et al., CVPR 2016;
Pont-Tuset et al., arXiv:1704.00675) as the official toolkit
``davis2017-evaluation`` (``davis2017/metrics.py``, ``utils.db_statistics``)
computes them, so that the numbers of :mod:`.davis` can be compared with the
toolkit's on the same masks:

* region similarity ``J = |M ∩ G| / |M ∪ G|``, 1 when both masks are empty;
* boundary F-measure: 1-pixel boundary maps (``seg2bmap``), each matched
  against the other dilated by a disk of radius
  ``ceil(bound_th · sqrt(H² + W²))`` pixels (8 for 480 × 854 at the default
  ``bound_th`` 0.008), precision ``P`` = matched fraction of the predicted
  boundary, recall ``R`` = matched fraction of the ground-truth boundary,
  ``F = 2PR / (P + R)``.

All functions take boolean (or 0/1) H × W numpy arrays.
"""
import math
from typing import Dict, Sequence

import numpy as np

#: DAVIS's boundary tolerance, a fraction of the image diagonal.
DAVIS_BOUND_TH = 0.008


def _as_masks(pred, gt, what: str):
    pred, gt = np.asarray(pred), np.asarray(gt)
    if pred.ndim != 2 or pred.shape != gt.shape:
        raise ValueError(f'{what}: pred and gt must be H x W arrays of one shape, '
                         f'got {pred.shape} and {gt.shape}')
    return pred.astype(bool), gt.astype(bool)


def region_similarity(pred: np.ndarray, gt: np.ndarray) -> float:
    """Jaccard index ``|pred ∩ gt| / |pred ∪ gt|``; 1 when both masks are empty (DAVIS)."""
    pred, gt = _as_masks(pred, gt, 'region_similarity')
    union = np.logical_or(pred, gt).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(pred, gt).sum() / union)


def seg2bmap(mask: np.ndarray) -> np.ndarray:
    """1-pixel-wide boundary map of a binary mask (D. Martin's ``seg2bmap``, as in DAVIS).

    A pixel is on the boundary when it differs from its east, south or
    south-east neighbour, so the boundary sits half a pixel towards the
    origin from the true contour; on the last row (column) only the east
    (south) neighbour counts, and the bottom-right pixel never does.
    """
    seg = np.asarray(mask).astype(bool)
    east, south, south_east = (np.zeros_like(seg) for _ in range(3))
    east[:, :-1] = seg[:, 1:]
    south[:-1, :] = seg[1:, :]
    south_east[:-1, :-1] = seg[1:, 1:]
    b = (seg ^ east) | (seg ^ south) | (seg ^ south_east)
    b[-1, :] = seg[-1, :] ^ east[-1, :]
    b[:, -1] = seg[:, -1] ^ south[:, -1]
    b[-1, -1] = False
    return b


def disk(radius: int) -> np.ndarray:
    """The structuring element of DAVIS's dilation: ``x² + y² <= r²`` (skimage's ``disk``)."""
    r = int(radius)
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return (x * x + y * y <= r * r).astype(np.uint8)


def boundary_tolerance(shape: Sequence[int], bound_th: float = DAVIS_BOUND_TH) -> int:
    """Dilation radius in pixels: ``bound_th`` itself when >= 1, else
    ``ceil(bound_th · diagonal)``."""
    if bound_th >= 1:
        return int(bound_th)
    return int(math.ceil(bound_th * math.hypot(shape[0], shape[1])))


def _dilate(bmap: np.ndarray, radius: int) -> np.ndarray:
    import cv2  # an mmcv dependency; the DAVIS toolkit dilates with cv2 too
    return cv2.dilate(bmap.astype(np.uint8), disk(radius)).astype(bool)


def boundary_f_measure(pred: np.ndarray, gt: np.ndarray,
                       bound_th: float = DAVIS_BOUND_TH) -> float:
    """DAVIS boundary F-measure of ``pred`` against ``gt``.

    ``P = |B_pred ∩ dil(B_gt)| / |B_pred|``, ``R = |B_gt ∩ dil(B_pred)| / |B_gt|``,
    ``F = 2PR / (P + R)`` (0 when ``P + R = 0``), with ``B = seg2bmap(mask)`` and
    ``dil`` a dilation by :func:`disk` of radius :func:`boundary_tolerance`.
    The toolkit's conventions for empty boundaries: both empty -> F = 1;
    only the prediction's empty -> P = 1, R = 0, F = 0; only the ground
    truth's empty -> P = 0, R = 1, F = 0.
    """
    pred, gt = _as_masks(pred, gt, 'boundary_f_measure')
    radius = boundary_tolerance(pred.shape, bound_th)
    b_pred, b_gt = seg2bmap(pred), seg2bmap(gt)
    n_pred, n_gt = int(b_pred.sum()), int(b_gt.sum())
    if n_pred == 0 and n_gt == 0:
        return 1.0
    if n_pred == 0 or n_gt == 0:
        return 0.0
    precision = float(np.logical_and(b_pred, _dilate(b_gt, radius)).sum()) / n_pred
    recall = float(np.logical_and(b_gt, _dilate(b_pred, radius)).sum()) / n_gt
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def sequence_statistics(per_frame: Sequence[float]) -> Dict[str, float]:
    """Mean, recall and decay of one object's per-frame J (or F), as DAVIS reports them.

    ``mean``: average over frames; ``recall``: fraction of frames above 0.5;
    ``decay``: mean of the first quarter of the frames minus mean of the last
    quarter, the quarters bounded at ``round(linspace(1, N, 5)) - 1``
    (``db_statistics`` of the toolkit, whose bins share their edge frames).
    """
    v = np.asarray(per_frame, dtype=np.float64)
    if v.size == 0:
        raise ValueError('sequence_statistics: no frames to score')
    ids = (np.round(np.linspace(1, v.size, 5) + 1e-10) - 1).astype(int)
    bins = [v[ids[i]:ids[i + 1] + 1] for i in range(4)]
    return dict(mean=float(v.mean()), recall=float((v > 0.5).mean()),
                decay=float(bins[0].mean() - bins[3].mean()))
