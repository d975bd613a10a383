"""Synthetic videos with known masks: textured shapes moving over a textured background.

No video data set is available offline; these let the propagation, the
metrics, the DAVIS writer and the tool be checked end to end, and give a
cheap (if easy) comparison of representations. Each object is an ellipse or
a rectangle filled with its own colour plus noise and stripes, moving at a
constant velocity and bouncing off the edges of its own vertical band of the
frame (the frame's width split into one band per object), so objects never
occlude each other: a part that was never visible cannot be propagated, and
would measure the video rather than the representation. The background is a
smooth random colour field plus noise.
"""
import os
import os.path as osp
from typing import Tuple

import numpy as np
from PIL import Image

from .davis import save_mask

# well-separated object colours (RGB); the background stays grey-blue
OBJECT_COLOURS = ((220, 40, 40), (240, 220, 40), (40, 200, 60), (200, 60, 220))


def _smooth_field(rng: np.random.Generator, size: Tuple[int, int], cells: int = 4) -> np.ndarray:
    coarse = rng.random((cells, cells, 3))
    img = Image.fromarray((coarse * 255).astype(np.uint8)).resize(size[::-1], Image.BILINEAR)
    return np.asarray(img, np.float64) / 255


def synthetic_video(num_frames: int = 12, size: Tuple[int, int] = (64, 96), num_objects: int = 2,
                    speed: Tuple[float, float] = (2.0, 4.0), seed: int = 0
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """(frames T × H × W × 3 uint8 RGB, masks T × H × W uint8 ids 0..num_objects).

    Objects are about half the frame's height across (at most 80 % of their
    band's width); ``speed`` is the range of their speed in pixels per frame.
    """
    if not 1 <= num_objects <= len(OBJECT_COLOURS):
        raise ValueError(f'num_objects must be 1..{len(OBJECT_COLOURS)}, got {num_objects}')
    rng = np.random.default_rng(seed)
    h, w = size
    background = 90 + 60 * _smooth_field(rng, size) * np.array([0.6, 0.8, 1.0])
    ys, xs = np.mgrid[0:h, 0:w]
    band = w / num_objects
    objects = []
    for k in range(num_objects):
        radius = np.array([rng.uniform(0.18, 0.26) * h,
                           min(rng.uniform(0.18, 0.26) * h, 0.4 * band)])
        low = np.array([radius[0], k * band + radius[1]])  # the extent of the centre
        high = np.array([h - radius[0], (k + 1) * band - radius[1]])
        pos = rng.uniform(low, high)
        angle = rng.uniform(0, 2 * np.pi)
        vel = rng.uniform(*speed) * np.array([np.sin(angle), np.cos(angle)])
        objects.append(dict(radius=radius, low=low, high=high, pos=pos, vel=vel,
                            ellipse=k % 2 == 0,
                            colour=np.array(OBJECT_COLOURS[k], np.float64),
                            stripes=rng.uniform(0.3, 0.8)))
    frames = np.zeros((num_frames, h, w, 3), np.uint8)
    masks = np.zeros((num_frames, h, w), np.uint8)
    for t in range(num_frames):
        img = background + rng.normal(0, 12, (h, w, 3))
        mask = np.zeros((h, w), np.uint8)
        for k, o in enumerate(objects):
            dy, dx = (ys - o['pos'][0]) / o['radius'][0], (xs - o['pos'][1]) / o['radius'][1]
            inside = dy**2 + dx**2 <= 1 if o['ellipse'] else (abs(dy) <= 1) & (abs(dx) <= 1)
            # the texture moves with the object: stripes in object coordinates
            texture = 25 * np.sin(o['stripes'] * (xs - o['pos'][1]) * 2)[..., None]
            img[inside] = (o['colour'] + texture + rng.normal(0, 12, (h, w, 3)))[inside]
            mask[inside] = k + 1
            o['pos'] = o['pos'] + o['vel']
            for d in range(2):  # bounce off the edges of the band: reflect the overshoot
                if o['pos'][d] < o['low'][d] or o['pos'][d] > o['high'][d]:
                    o['vel'][d] = -o['vel'][d]
                    edge = o['low'][d] if o['pos'][d] < o['low'][d] else o['high'][d]
                    o['pos'][d] = np.clip(2 * edge - o['pos'][d], o['low'][d], o['high'][d])
        frames[t] = np.clip(img, 0, 255).astype(np.uint8)
        masks[t] = mask
    return frames, masks


def make_synthetic_davis(root: str, num_videos: int = 4, num_frames: int = 12,
                         size: Tuple[int, int] = (64, 96), num_objects: int = 2,
                         seed: int = 0, split: str = 'val') -> str:
    """Write synthetic videos as a DAVIS-2017 tree (JPEG frames, palette annotations
    on every frame, ``ImageSets/2017/<split>.txt``); video ``i`` uses seed ``seed + i``."""
    names = [f'synthetic-{i:02d}' for i in range(num_videos)]
    for i, name in enumerate(names):
        frames, masks = synthetic_video(num_frames, size, num_objects, seed=seed + i)
        img_dir = osp.join(root, 'JPEGImages', '480p', name)
        ann_dir = osp.join(root, 'Annotations', '480p', name)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for t in range(num_frames):
            Image.fromarray(frames[t]).save(osp.join(img_dir, f'{t:05d}.jpg'), quality=95)
            save_mask(osp.join(ann_dir, f'{t:05d}.png'), masks[t])
    os.makedirs(osp.join(root, 'ImageSets', '2017'), exist_ok=True)
    with open(osp.join(root, 'ImageSets', '2017', f'{split}.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return root
