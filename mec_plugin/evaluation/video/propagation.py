"""Label propagation by feature affinities (the CRW / UniTrack protocol).

Given L2-normalised feature maps ``f_t`` (C × h × w, one vector per cell) and
the labels of the first frame as soft maps ``y_0`` (L × h × w), the labels of
frame ``t`` are

    y_t(q) = Σ_{k ∈ N_K(q)} softmax_k(<f_t(q), f_s(k)> / τ) · y_s(k)

where the candidates ``k`` are all cells of the context frames ``s`` — the
first frame and the ``n`` frames before ``t`` — and ``N_K(q)`` keeps the K
candidates with the largest dot products. Candidates of the n previous frames
are admitted only within a spatial radius: ``|pos(q) - pos(k)|₂ < r`` in
feature cells. The predictions, kept soft, become the labels of frame ``t``
in the queue of later frames.

Source: Jabri et al., "Space-Time Correspondence as a Contrastive Random
Walk" (NeurIPS 2020), ``code/test.py`` and ``utils/test_utils.py``; UniTrack
(Wang et al., NeurIPS 2021) evaluates label propagation with the same code.
Their defaults are this module's: n = 20 (``--videoLen``), K = 10
(``--topk``), τ = 0.07 (``--temperature``), r = 12 (``--radius``), and, as
there, the radius does not restrict the first frame (``long_mem``).

Differences from that code: the context holds each frame once. CRW pads the
start of a video with n copies of the first frame (labels and features), so
for t < n the duplicated cells of frame 0 fill several of the K slots; here
the context of frame ``t`` is frame 0 plus frames ``max(1, t - n) .. t - 1``.
"""
from collections import deque
from typing import Iterable, Iterator

import torch
import torch.nn.functional as F
from torch import Tensor

#: CRW's test.py defaults (see the module docstring).
CRW_DEFAULTS = dict(n_context=20, topk=10, temperature=0.07, radius=12.0,
                    restrict_first_frame=False)


def neighbourhood(h: int, w: int, radius: float, device=None) -> Tensor:
    """``[h·w, h·w]`` bool: cells whose Euclidean distance (in cells) is below ``radius``.

    Strictly below, as CRW's ``MaskedAttention`` (``D < radius``).
    """
    ys, xs = torch.meshgrid(torch.arange(h, device=device), torch.arange(w, device=device),
                            indexing='ij')
    pos = torch.stack([ys.flatten(), xs.flatten()], dim=1).float()
    return torch.cdist(pos, pos) < radius


class LabelPropagator:
    """Propagates soft label maps through a video, one frame at a time.

    Args:
        first_feats (Tensor): C × h × w features of the first frame.
        first_labels (Tensor): L × h × w labels of the first frame at feature
            resolution (one-hot object masks, heat maps, ...).
        n_context (int): previous frames kept in the queue (n).
        topk (int): neighbours kept per query cell (K).
        temperature (float): softmax temperature τ over the kept affinities.
        radius (float): spatial radius in feature cells; ``inf`` disables it.
        restrict_first_frame (bool): also apply the radius to the first frame
            (CRW does not).
        max_affinity_elements (int): the affinity is computed for chunks of
            query cells of at most this many entries, to bound memory.

    Features are L2-normalised per cell here, so raw backbone outputs may be
    passed. Everything stays on the device and dtype (float32) of the inputs.
    """

    def __init__(self, first_feats: Tensor, first_labels: Tensor,
                 n_context: int = CRW_DEFAULTS['n_context'], topk: int = CRW_DEFAULTS['topk'],
                 temperature: float = CRW_DEFAULTS['temperature'],
                 radius: float = CRW_DEFAULTS['radius'],
                 restrict_first_frame: bool = CRW_DEFAULTS['restrict_first_frame'],
                 max_affinity_elements: int = 1 << 25) -> None:
        if first_feats.dim() != 3 or first_labels.dim() != 3:
            raise ValueError('first_feats must be C x h x w and first_labels L x h x w, got '
                             f'{tuple(first_feats.shape)} and {tuple(first_labels.shape)}')
        if first_feats.shape[1:] != first_labels.shape[1:]:
            raise ValueError(f'labels ({tuple(first_labels.shape[1:])}) must be at the feature '
                             f'resolution ({tuple(first_feats.shape[1:])})')
        if n_context < 0 or topk < 1 or temperature <= 0 or radius <= 0:
            raise ValueError('need n_context >= 0, topk >= 1, temperature > 0 and radius > 0, got '
                             f'{n_context}, {topk}, {temperature}, {radius}')
        self.shape = tuple(first_feats.shape)
        self.topk, self.temperature = topk, temperature
        self.restrict_first_frame = restrict_first_frame
        self.max_affinity_elements = max_affinity_elements
        h, w = self.shape[1:]
        # a radius that covers the whole map restricts nothing: skip the mask
        self.near = None if radius > (h * h + w * w) ** 0.5 else neighbourhood(
            h, w, radius, first_feats.device)
        self.first = (self._flat_feats(first_feats), self._flat_labels(first_labels))
        self.queue = deque(maxlen=n_context)

    @staticmethod
    def _flat_feats(feats: Tensor) -> Tensor:
        return F.normalize(feats.float().flatten(1), dim=0).t().contiguous()  # hw × C

    @staticmethod
    def _flat_labels(labels: Tensor) -> Tensor:
        return labels.float().flatten(1).t().contiguous()  # hw × L

    def step(self, feats: Tensor) -> Tensor:
        """Labels (L × h × w, soft) of the next frame, whose features are ``feats``."""
        if tuple(feats.shape) != self.shape:
            raise ValueError(f'frame features {tuple(feats.shape)} differ from the first '
                             f"frame's {self.shape}")
        query = self._flat_feats(feats)
        context = [self.first] + list(self.queue)
        keys = torch.cat([k for k, _ in context])  # (M·hw) × C
        labels = torch.cat([y for _, y in context])  # (M·hw) × L
        n_frames, hw = len(context), query.shape[0]
        restricted = slice(0 if self.restrict_first_frame else 1, n_frames)
        k = min(self.topk, keys.shape[0])
        chunk = max(1, self.max_affinity_elements // keys.shape[0])
        out = []
        for start in range(0, hw, chunk):
            q = query[start:start + chunk]
            aff = (q @ keys.t()).view(q.shape[0], n_frames, hw)
            if self.near is not None and restricted.start < n_frames:
                far = ~self.near[start:start + chunk, None, :]
                aff[:, restricted].masked_fill_(far, float('-inf'))  # a view: in place
            # every query cell is within the radius of itself, so each row
            # keeps at least one finite affinity and the softmax is defined
            top, idx = aff.view(q.shape[0], -1).topk(k, dim=1)
            weights = torch.softmax(top / self.temperature, dim=1)
            out.append((weights.unsqueeze(-1) * labels[idx]).sum(1))
        pred = torch.cat(out).t().reshape(-1, *self.shape[1:])
        self.queue.append((query, self._flat_labels(pred)))
        return pred


def propagate_labels(feats: Iterable[Tensor], first_labels: Tensor, **kwargs) -> Iterator[Tensor]:
    """Soft labels of every frame of a video: the first frame's ``first_labels``,
    then :meth:`LabelPropagator.step` for each later frame.

    Args:
        feats: the frames' C × h × w feature maps, in order (a T × C × h × w
            tensor or any iterable, e.g. a generator that encodes frames lazily).
        first_labels (Tensor): L × h × w labels of frame 0.
        **kwargs: :class:`LabelPropagator`'s options.
    """
    propagator = None
    for feat in feats:
        if propagator is None:
            propagator = LabelPropagator(feat, first_labels, **kwargs)
            yield first_labels.float()
        else:
            yield propagator.step(feat)


def labels_to_feature_grid(labels: Tensor, size) -> Tensor:
    """L × H × W label maps (e.g. one-hot masks) -> L × h × w by area averaging:
    each feature cell gets the fraction of its pixels that carries each label.

    CRW resizes the one-hot maps bilinearly (``cv2.resize``), which at stride 8
    reads only the pixels next to each sample point; the area average uses all of them.
    """
    return F.adaptive_avg_pool2d(labels.float()[None], tuple(size))[0]


def labels_to_frame(labels: Tensor, size) -> Tensor:
    """L × h × w -> L × H × W, bilinear with half-pixel centres (as ``cv2.resize`` in CRW)."""
    return F.interpolate(labels[None].float(), size=tuple(size), mode='bilinear',
                         align_corners=False)[0]
