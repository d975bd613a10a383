"""Batched image augmentations on the device, for small images (CIFAR-scale).

At 32 px a training step of a small network takes a few milliseconds on a
GPU, and a CPU worker pipeline (decode, PIL crop / jitter per image) cannot
feed it. These functions apply MEC's view pipeline to a whole batch at once
on the device the batch lives on: the whole uint8 dataset can sit on the GPU
and each step costs a handful of batched kernels.

Everything works on float images in [0, 1], shape [N, 3, H, W] (RGB) or
[N, 1, H, W] (grayscale), with one random draw *per image* (not per batch).
On a grayscale image ``gray(x) = x``: saturation, hue and random grayscale
leave it unchanged, brightness and contrast apply. The colour operations follow
torchvision's definitions (the official MEC code uses torchvision):

* brightness ``x * f``; contrast ``f x + (1 - f) mean(gray(x))``; saturation
  ``f x + (1 - f) gray(x)``; hue: rotate H in HSV by ``h`` (fraction of a
  turn); each result clamped to [0, 1];
* ``gray(x) = 0.2989 R + 0.587 G + 0.114 B``;
* ``ColorJitter`` applies the four in a random order, drawn per image;
* solarize ``x >= t ? 1 - x : x``.

Differences from the per-image CPU pipeline, and why:

* Random resized crop samples the box as torchvision does (area fraction
  ~ U(scale), log aspect ratio ~ U(log ratio), 10 tries, then the central
  crop) but keeps it *continuous* (no rounding to whole pixels) and resamples
  with ``grid_sample`` (bilinear, no antialiasing). At CIFAR scale crops are
  only ever enlarged, where antialiasing does nothing.
* The horizontal flip is folded into the crop's affine map (it commutes with
  the per-pixel colour operations).
* Gaussian blur is not implemented (the CIFAR pipelines have none);
  :meth:`GPUViewAugment.from_pipeline` refuses a pipeline that has one.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)  # R, G, B (torchvision / ITU-R 601-2)


def _rand(n: int, generator: Optional[torch.Generator], device, low: float = 0.,
          high: float = 1.) -> Tensor:
    return torch.rand(n, generator=generator, device=device) * (high - low) + low


def sample_crop_boxes(n: int, height: int, width: int,
                      scale: Tuple[float, float] = (0.08, 1.),
                      ratio: Tuple[float, float] = (3. / 4., 4. / 3.),
                      generator: Optional[torch.Generator] = None,
                      device: Union[str, torch.device] = 'cpu',
                      attempts: int = 10) -> Tensor:
    """Boxes of a random resized crop, one per image, drawn on ``device``.

    For each image, up to ``attempts`` candidates are drawn with area
    ``s * H * W``, ``s ~ U(scale)``, and aspect ratio ``w / h = exp(U(log
    ratio))``; the first that fits is kept, at a uniform position. An image
    with no fitting candidate gets torchvision's fallback: the central crop
    with the aspect ratio clamped to ``ratio``.

    Returns:
        Tensor: [n, 4] float boxes ``(x0, y0, w, h)`` in pixels.
    """
    if not 0 < scale[0] <= scale[1]:
        raise ValueError(f'scale must satisfy 0 < min <= max, got {tuple(scale)}')
    if not 0 < ratio[0] <= ratio[1]:
        raise ValueError(f'ratio must satisfy 0 < min <= max, got {tuple(ratio)}')
    area = float(height * width)
    s = _rand(n * attempts, generator, device, *scale).view(n, attempts)
    log_r = _rand(n * attempts, generator, device, math.log(ratio[0]),
                  math.log(ratio[1])).view(n, attempts)
    aspect = log_r.exp()
    w = (s * area * aspect).sqrt()
    h = (s * area / aspect).sqrt()
    fits = (w <= width) & (h <= height)
    # index of the first fitting attempt (argmax of a bool returns the first True)
    first = fits.int().argmax(dim=1, keepdim=True)
    any_fit = fits.any(dim=1)
    w = w.gather(1, first).squeeze(1)
    h = h.gather(1, first).squeeze(1)
    # fallback: the central crop, aspect ratio clamped into `ratio`
    in_ratio = width / height
    if in_ratio < ratio[0]:
        fw, fh = float(width), width / ratio[0]
    elif in_ratio > ratio[1]:
        fw, fh = height * ratio[1], float(height)
    else:
        fw, fh = float(width), float(height)
    w = torch.where(any_fit, w, torch.full_like(w, fw))
    h = torch.where(any_fit, h, torch.full_like(h, fh))
    u = _rand(2 * n, generator, device).view(2, n)
    x0 = torch.where(any_fit, u[0] * (width - w), (width - w) / 2)
    y0 = torch.where(any_fit, u[1] * (height - h), (height - h) / 2)
    return torch.stack([x0, y0, w, h], dim=1)


def crop_flip_resize(images: Tensor, boxes: Tensor, size: Union[int, Tuple[int, int]],
                     flip: Optional[Tensor] = None) -> Tensor:
    """Crop each image to its box, optionally mirror it, resize to ``size``.

    One ``affine_grid`` + ``grid_sample`` (bilinear, ``align_corners=False``)
    for the batch. In normalised coordinates the output point ``u`` samples
    the input at ``t + s * u`` with ``s = w / W`` and ``t = (2 x0 + w) / W - 1``
    (and the same for y), ``s`` negated for a mirrored image. A box covering
    whole pixels at the output's resolution reproduces those pixels exactly.

    Args:
        images (Tensor): [N, C, H, W] float.
        boxes (Tensor): [N, 4] ``(x0, y0, w, h)`` in pixels.
        size (int | (int, int)): output (height, width).
        flip (Tensor, optional): [N] bool, mirror horizontally.
    """
    n, c, height, width = images.shape
    out_h, out_w = (size, size) if isinstance(size, int) else size
    boxes = boxes.to(images.dtype)
    x0, y0, w, h = boxes.unbind(1)
    sx, sy = w / width, h / height
    if flip is not None:
        sx = torch.where(flip, -sx, sx)
    tx = (2 * x0 + w) / width - 1
    ty = (2 * y0 + h) / height - 1
    zero = torch.zeros_like(sx)
    theta = torch.stack([torch.stack([sx, zero, tx], 1), torch.stack([zero, sy, ty], 1)], 1)
    grid = F.affine_grid(theta, [n, c, out_h, out_w], align_corners=False)
    return F.grid_sample(images, grid, mode='bilinear', padding_mode='border',
                         align_corners=False)


def rgb_to_grayscale(x: Tensor) -> Tensor:
    """[N, 3, H, W] -> [N, 1, H, W], ``0.2989 R + 0.587 G + 0.114 B``; a
    one-channel image is already gray and comes back as it is."""
    if x.shape[1] == 1:
        return x
    r, g, b = x.unbind(1)
    return (GRAY_WEIGHTS[0] * r + GRAY_WEIGHTS[1] * g + GRAY_WEIGHTS[2] * b).unsqueeze(1)


def _per_image(f: Tensor, x: Tensor) -> Tensor:
    return f.to(x.dtype).view(-1, 1, 1, 1)


def adjust_brightness(x: Tensor, factor: Tensor) -> Tensor:
    """``clamp(f x)``, one factor per image ([N])."""
    return (x * _per_image(factor, x)).clamp(0, 1)


def adjust_contrast(x: Tensor, factor: Tensor) -> Tensor:
    """``clamp(f x + (1 - f) m)``, m the mean grey level of each image."""
    f = _per_image(factor, x)
    mean = rgb_to_grayscale(x).mean(dim=(1, 2, 3), keepdim=True)
    return (f * x + (1 - f) * mean).clamp(0, 1)


def adjust_saturation(x: Tensor, factor: Tensor) -> Tensor:
    """``clamp(f x + (1 - f) gray(x))`` per pixel; a one-channel image is its
    own gray and comes back as it is."""
    if x.shape[1] == 1:
        return x
    f = _per_image(factor, x)
    return (f * x + (1 - f) * rgb_to_grayscale(x)).clamp(0, 1)


def _rgb_to_hsv(x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    r, g, b = x.unbind(1)
    maxc, _ = x.max(dim=1)
    minc, _ = x.min(dim=1)
    delta = maxc - minc
    v = maxc
    s = torch.where(maxc > 0, delta / torch.where(maxc > 0, maxc, torch.ones_like(maxc)),
                    torch.zeros_like(maxc))
    safe = torch.where(delta > 0, delta, torch.ones_like(delta))
    # hue in sixths of a turn, by which channel is the largest
    hr = ((g - b) / safe) % 6
    hg = (b - r) / safe + 2
    hb = (r - g) / safe + 4
    hue = torch.where(maxc == r, hr, torch.where(maxc == g, hg, hb))
    hue = torch.where(delta > 0, hue / 6.0, torch.zeros_like(hue)) % 1.0
    return hue, s, v


def _hsv_to_rgb(h: Tensor, s: Tensor, v: Tensor) -> Tensor:
    # f(n) = v - v s max(0, min(k, 4 - k, 1)), k = (n + 6 h) mod 6 (n = 5, 3, 1 for R, G, B)
    def channel(n: float) -> Tensor:
        k = (n + 6.0 * h) % 6.0
        return v - v * s * torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0)
    return torch.stack([channel(5.0), channel(3.0), channel(1.0)], dim=1)


def adjust_hue(x: Tensor, shift: Tensor) -> Tensor:
    """Rotate the hue of each image by ``shift`` (in turns, |shift| <= 0.5);
    a one-channel image has no hue and comes back as it is."""
    if x.shape[1] == 1:
        return x
    h, s, v = _rgb_to_hsv(x)
    h = (h + shift.to(x.dtype).view(-1, 1, 1)) % 1.0
    return _hsv_to_rgb(h, s, v).clamp(0, 1)


def solarize(x: Tensor, threshold: float) -> Tensor:
    """``x >= threshold ? 1 - x : x`` (threshold on the [0, 1] scale)."""
    return torch.where(x >= threshold, 1 - x, x)


def color_jitter(x: Tensor, brightness: float = 0., contrast: float = 0.,
                 saturation: float = 0., hue: float = 0.,
                 generator: Optional[torch.Generator] = None) -> Tensor:
    """torchvision's ``ColorJitter`` with per-image factors and per-image order.

    Factors ~ U(1 - b, 1 + b) (U(-h, h) for the hue). Each of the four rounds
    computes every operation on the batch and keeps, per image, the one that
    image's random permutation puts in that round: 4x the arithmetic of a
    fixed order, negligible at 32 px, and the same distribution as the
    per-image transform.
    """
    n, device = x.shape[0], x.device
    factors = [
        _rand(n, generator, device, max(0., 1 - brightness), 1 + brightness),
        _rand(n, generator, device, max(0., 1 - contrast), 1 + contrast),
        _rand(n, generator, device, max(0., 1 - saturation), 1 + saturation),
        _rand(n, generator, device, -hue, hue),
    ]
    ops = [adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue]
    active = [i for i, a in enumerate((brightness, contrast, saturation, hue)) if a > 0]
    if not active:
        return x
    order = torch.rand(n, len(active), generator=generator, device=device).argsort(dim=1)
    for step in range(len(active)):
        out = x
        for j, op_idx in enumerate(active):
            chosen = (order[:, step] == j).view(-1, 1, 1, 1)
            out = torch.where(chosen, ops[op_idx](x, factors[op_idx]), out)
        x = out
    return x


class GPUViewAugment:
    """One view's augmentation pipeline, applied to a batch on its device.

    crop (scale, ratio) -> [p_jitter] colour jitter -> [p_gray] grayscale ->
    [p_solarize] solarize -> [p_flip] mirror (folded into the crop).

    Args:
        size (int): output side.
        scale, ratio: random-resized-crop ranges.
        jitter (dict): ``brightness``, ``contrast``, ``saturation``, ``hue``.
        jitter_prob, gray_prob, solarize_prob, flip_prob (float):
            probabilities of each step, drawn per image.
        solarize_threshold (float): on the 0-255 scale (128 officially).
    """

    def __init__(self, size: int, scale: Tuple[float, float] = (0.2, 1.),
                 ratio: Tuple[float, float] = (3. / 4., 4. / 3.),
                 jitter: Optional[Dict[str, float]] = None, jitter_prob: float = 0.8,
                 gray_prob: float = 0.2, solarize_prob: float = 0.,
                 solarize_threshold: float = 128., flip_prob: float = 0.5) -> None:
        for name, p in dict(jitter_prob=jitter_prob, gray_prob=gray_prob,
                            solarize_prob=solarize_prob, flip_prob=flip_prob).items():
            if not 0 <= p <= 1:
                raise ValueError(f'GPUViewAugment: {name} must be in [0, 1], got {p}')
        if not (isinstance(size, int) and size > 0):
            raise ValueError(f'GPUViewAugment: size must be a positive int, got {size!r}')
        if not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(f'GPUViewAugment: scale must satisfy 0 < min <= max <= 1, got {scale}')
        self.size, self.scale, self.ratio = size, tuple(scale), tuple(ratio)
        self.jitter = dict(jitter or {})
        unknown = set(self.jitter) - {'brightness', 'contrast', 'saturation', 'hue'}
        if unknown:
            raise ValueError(f'GPUViewAugment: unknown jitter keys {sorted(unknown)}')
        self.jitter_prob, self.gray_prob = jitter_prob, gray_prob
        self.solarize_prob, self.flip_prob = solarize_prob, flip_prob
        self.solarize_threshold = solarize_threshold

    @classmethod
    def from_pipeline(cls, pipeline: Sequence[dict]) -> 'GPUViewAugment':
        """Translate one view of an mmpretrain pipeline (the CIFAR MEC config's
        transforms) into its batched equivalent; unknown transforms raise."""
        kw: dict = dict(jitter=None, jitter_prob=0., gray_prob=0., solarize_prob=0.,
                        flip_prob=0.)
        size = None
        for t in pipeline:
            kind = t['type']
            if kind == 'RandomResizedCrop':
                size = t['scale'] if isinstance(t['scale'], int) else t['scale'][0]
                kw['scale'] = tuple(t.get('crop_ratio_range', (0.08, 1.)))
                kw['ratio'] = tuple(t.get('aspect_ratio_range', (3. / 4., 4. / 3.)))
            elif kind == 'RandomApply' and [x['type'] for x in t['transforms']] == ['ColorJitter']:
                j = t['transforms'][0]
                kw['jitter'] = {k: float(j.get(k, 0.)) for k in
                                ('brightness', 'contrast', 'saturation', 'hue')}
                kw['jitter_prob'] = float(t.get('prob', 0.5))
            elif kind == 'RandomGrayscale':
                kw['gray_prob'] = float(t.get('prob', 0.1))
            elif kind == 'Solarize':
                kw['solarize_prob'] = float(t.get('prob', 0.5))
                kw['solarize_threshold'] = float(t['thr'])
            elif kind == 'RandomFlip':
                if t.get('direction', 'horizontal') != 'horizontal':
                    raise ValueError(f"GPUViewAugment: only horizontal flips, got {t}")
                kw['flip_prob'] = float(t.get('prob', 0.5))
            else:
                raise ValueError(f"GPUViewAugment.from_pipeline: transform type '{kind}' has no "
                                 'batched GPU equivalent here')
        if size is None:
            raise ValueError('GPUViewAugment.from_pipeline: the view has no RandomResizedCrop')
        return cls(size, **kw)

    def __call__(self, images: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """uint8 (or float 0-255) [N, C, H, W], C = 3 (RGB) or 1 (grayscale) ->
        float32 [N, C, size, size] in [0, 255]."""
        if images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ValueError('GPUViewAugment expects [N, 3, H, W] (RGB) or [N, 1, H, W] '
                             f'(grayscale) images, got {tuple(images.shape)}')
        n, _, height, width = images.shape
        device = images.device
        x = images.float() / 255.
        boxes = sample_crop_boxes(n, height, width, self.scale, self.ratio, generator, device)
        flip = _rand(n, generator, device) < self.flip_prob
        x = crop_flip_resize(x, boxes, self.size, flip)
        if self.jitter and self.jitter_prob > 0:
            apply = (_rand(n, generator, device) < self.jitter_prob).view(-1, 1, 1, 1)
            x = torch.where(apply, color_jitter(x, generator=generator, **self.jitter), x)
        if self.gray_prob > 0:
            apply = (_rand(n, generator, device) < self.gray_prob).view(-1, 1, 1, 1)
            x = torch.where(apply, rgb_to_grayscale(x).expand_as(x), x)
        if self.solarize_prob > 0:
            apply = (_rand(n, generator, device) < self.solarize_prob).view(-1, 1, 1, 1)
            x = torch.where(apply, solarize(x, self.solarize_threshold / 255.), x)
        return x * 255.


def multiview_from_pipeline(train_pipeline: Sequence[dict]) -> List[GPUViewAugment]:
    """The batched views of a ``MultiView`` step in an mmpretrain train pipeline."""
    for t in train_pipeline:
        if t['type'] == 'MultiView':
            return [GPUViewAugment.from_pipeline(v) for v in t['transforms']]
    raise ValueError('multiview_from_pipeline: the pipeline has no MultiView transform')


__all__ = [
    'GPUViewAugment', 'multiview_from_pipeline', 'sample_crop_boxes', 'crop_flip_resize',
    'color_jitter', 'adjust_brightness', 'adjust_contrast', 'adjust_saturation', 'adjust_hue',
    'rgb_to_grayscale', 'solarize'
]
