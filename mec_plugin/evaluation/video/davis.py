"""The DAVIS-2017 layout: reading sequences and annotations, writing masks.

A DAVIS root (as downloaded from davischallenge.org) holds::

    JPEGImages/480p/<sequence>/00000.jpg ...
    Annotations/480p/<sequence>/00000.png ...   palette PNGs, pixel = object id
    ImageSets/2017/val.txt                      one sequence name a line

Object ids are 0 (background) .. K, with K the largest id of the first
frame's annotation; 255 marks void pixels and is read as background, as the
official toolkit (``davis2017-evaluation``) does. The semi-supervised task
gives the first frame's annotation; the val split annotates every frame.
Predicted masks are written as the toolkit reads them: one palette PNG per
frame, ``<out>/<sequence>/<frame>.png``, pixel = object id, with DAVIS's
palette (the PASCAL VOC colour map).
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from PIL import Image

VOID_ID = 255


def davis_palette() -> np.ndarray:
    """256 × 3 uint8: the PASCAL VOC colour map that DAVIS's annotations use.

    Colour of id ``i``: bit ``3j + c`` of ``i`` sets bit ``7 - j`` of channel
    ``c`` (R, G, B), so 1 = (128, 0, 0), 2 = (0, 128, 0), 3 = (128, 128, 0), ...
    """
    ids = np.arange(256)
    palette = np.zeros((256, 3), np.uint8)
    for j in range(8):
        for c in range(3):
            palette[:, c] |= (((ids >> (3 * j + c)) & 1) << (7 - j)).astype(np.uint8)
    return palette


@dataclass
class DavisSequence:
    """One sequence: its frames and annotations (sorted; the val split annotates
    every frame, other splits may give only the first one)."""
    name: str
    frames: List[str]
    annotations: List[str]

    @property
    def fully_annotated(self) -> bool:
        return len(self.annotations) == len(self.frames)


def _images(folder: str, ext: str) -> List[str]:
    if not osp.isdir(folder):
        return []
    return sorted(osp.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(ext))


def _stem(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def list_davis_sequences(root: str, split: str = 'val', resolution: str = '480p',
                         year: str = '2017',
                         sequences: Optional[List[str]] = None) -> List[DavisSequence]:
    """The sequences of ``ImageSets/<year>/<split>.txt`` (or ``sequences``), checked.

    Raises FileNotFoundError / ValueError naming the file when the split list,
    a sequence's frames or its first-frame annotation is missing, or when the
    annotations are neither just the first frame's nor one per frame (the
    frame counts, or names, differ).
    """
    list_file = osp.join(root, 'ImageSets', year, f'{split}.txt')
    if sequences is None:
        if not osp.isfile(list_file):
            raise FileNotFoundError(f'DAVIS split list not found: {list_file} (is {root} a '
                                    f'DAVIS-{year} root with ImageSets/{year}/?)')
        with open(list_file) as f:
            sequences = [line.strip() for line in f if line.strip()]
        if not sequences:
            raise ValueError(f'{list_file} lists no sequence')
    out = []
    for name in sequences:
        frame_dir = osp.join(root, 'JPEGImages', resolution, name)
        ann_dir = osp.join(root, 'Annotations', resolution, name)
        frames, anns = _images(frame_dir, '.jpg'), _images(ann_dir, '.png')
        if not frames:
            raise FileNotFoundError(f'sequence {name!r}: no .jpg frames in {frame_dir}')
        first_ann = osp.join(ann_dir, _stem(frames[0]) + '.png')
        if not osp.isfile(first_ann):
            raise FileNotFoundError(f'sequence {name!r}: missing first-frame annotation '
                                    f'{first_ann} (semi-supervised propagation starts from it)')
        if len(anns) not in (1, len(frames)):
            raise ValueError(f'sequence {name!r}: unequal frame counts, {len(frames)} frames in '
                             f'{frame_dir} but {len(anns)} annotations in {ann_dir} (expected '
                             'one per frame, or only the first)')
        if len(anns) == len(frames):
            for fr, an in zip(frames, anns):
                if _stem(fr) != _stem(an):
                    raise ValueError(f'sequence {name!r}: annotation {an} does not match frame '
                                     f'{fr} (frames and annotations must have the same names)')
        out.append(DavisSequence(name, frames, anns))
    return out


def read_frame(path: str) -> np.ndarray:
    """H × W × 3 uint8, RGB."""
    with Image.open(path) as img:
        return np.asarray(img.convert('RGB'))


def read_annotation(path: str, reference_palette: Optional[np.ndarray] = None) -> np.ndarray:
    """H × W uint8 object ids of a DAVIS annotation (void 255 read as background).

    Args:
        reference_palette (np.ndarray, optional): 256 × 3 palette the file's
            must agree with on every id it uses (the sequence's first
            annotation's): a mismatch raises ValueError naming the file.
    """
    with Image.open(path) as img:
        if img.mode != 'P':
            raise ValueError(f'{path}: not a palette PNG (mode {img.mode!r}); DAVIS annotations '
                             'store object ids as palette indices')
        ids = np.array(img)
        palette = annotation_palette(img)
    if reference_palette is not None:
        for i in np.unique(ids):
            if i != VOID_ID and not np.array_equal(palette[i], reference_palette[i]):
                raise ValueError(f'{path}: palette mismatch, id {int(i)} is '
                                 f'{tuple(palette[i].tolist())} here but '
                                 f'{tuple(reference_palette[i].tolist())} in '
                                 "the sequence's first annotation (re-saved with another palette?)")
    ids[ids == VOID_ID] = 0
    return ids


def annotation_palette(img: Image.Image) -> np.ndarray:
    """256 × 3 palette of a 'P' image (missing entries black)."""
    raw = np.zeros(768, np.uint8)
    pal = np.asarray(img.getpalette() or [], np.uint8)[:768]
    raw[:pal.size] = pal
    return raw.reshape(256, 3)


def first_annotation_palette(seq: DavisSequence) -> np.ndarray:
    with Image.open(seq.annotations[0]) as img:
        return annotation_palette(img)


def save_mask(path: str, mask: np.ndarray, palette: Optional[np.ndarray] = None) -> None:
    """Write H × W object ids as a palette PNG (DAVIS's palette by default)."""
    if mask.max(initial=0) > 255:
        raise ValueError(f'{path}: object ids above 255 do not fit a palette PNG')
    img = Image.fromarray(mask.astype(np.uint8))  # 'L'; putpalette makes it 'P'
    img.putpalette((davis_palette() if palette is None else palette).astype(np.uint8).tobytes())
    img.save(path)
