"""Compose detection / segmentation scenes and short videos from Fashion-MNIST test images.

    python tools/dataset_converters/fashion_mnist_scenes.py OUT
        [--source /usr/share/datasets/fashion-mnist] [--train-scenes 2000] [--val-scenes 500]
        [--size 64] [--min-objects 2] [--max-objects 5] [--object-size 14 32]
        [--videos 8] [--frames 24] [--seed 0] [--force]

The objects are the Fashion-MNIST **test** images (``t10k-*``): the main job
pre-trains on the training split, so no object here was seen in pre-training.
The 10,000 test images are shuffled with ``--seed`` and cut in two: the first
``--train-fraction`` feed the training scenes, the rest the val scenes and the
videos, so no source image is shared between the splits.

Each scene is a ``--size`` x ``--size`` grey canvas (black, as Fashion-MNIST's
own background) with 2-5 objects resized to 14-32 px (half to a bit more than
the 28 px the network was pre-trained on) and pasted in depth order; an
object's mask is its own pixels (value >= ``MASK_THRESHOLD``) minus what the
objects pasted later cover, and an object stays at least
``MIN_VISIBLE`` visible. What it writes:

    OUT/annotations/instances_{train,val}.json   COCO instances: boxes, RLE masks,
                                                 the 10 Fashion-MNIST classes (ids 1-10)
    OUT/images/{train,val}/NNNNNN.png            8-bit grey scenes
    OUT/semantic/{train,val}/NNNNNN.png          mmseg label maps: 0 background,
                                                 1-10 the classes (painted in depth order)
    OUT/videos/                                  DAVIS-2017 layout (JPEGImages/480p,
                                                 Annotations/480p, ImageSets/2017/val.txt):
                                                 val objects moving, scaling, occluding
    OUT/meta.json                                the arguments and counts

The same arguments give byte-identical files. OUT must not exist or be
empty unless ``--force`` is given.
"""
import argparse
import gzip
import json
import os
import os.path as osp
import shutil
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image

#: Fashion-MNIST's classes, in label order (category id = label + 1)
CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
           'Bag', 'Ankle boot')
#: a pixel belongs to its object from this grey level up (the items sit on exact black)
MASK_THRESHOLD = 16
#: every object keeps at least this share of its own mask visible
MIN_VISIBLE = 0.5
#: and at least this many visible pixels
MIN_AREA = 40
DEFAULT_SOURCE = '/usr/share/datasets/fashion-mnist'


# --------------------------------------------------------------------------- source
def _open(path: str):
    return gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')


def _find(root: str, stem: str) -> str:
    for name in (stem, stem + '.gz'):
        if osp.isfile(osp.join(root, name)):
            return osp.join(root, name)
    raise FileNotFoundError(f'{root}: no {stem} or {stem}.gz (expected the Fashion-MNIST IDX '
                            "files, e.g. Debian's dataset-fashion-mnist in "
                            f'{DEFAULT_SOURCE})')


def read_idx(path: str) -> np.ndarray:
    """An IDX file (uint8 images N x H x W, or labels N) as a numpy array."""
    with _open(path) as f:
        data = f.read()
    magic = int.from_bytes(data[:4], 'big')
    if magic >> 8 != 0x08:  # unsigned byte data
        raise ValueError(f'{path}: not an IDX file of unsigned bytes (magic {magic:#x})')
    ndim = magic & 0xff
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_test_split(root: str) -> Tuple[np.ndarray, np.ndarray]:
    """The 10,000 Fashion-MNIST test images (N x 28 x 28 uint8) and labels."""
    images = read_idx(_find(root, 't10k-images-idx3-ubyte'))
    labels = read_idx(_find(root, 't10k-labels-idx1-ubyte'))
    if len(images) != len(labels):
        raise ValueError(f'{root}: {len(images)} test images but {len(labels)} labels')
    return images, labels


def split_sources(num: int, train_fraction: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Disjoint index sets of the source images for the train and val splits."""
    order = np.random.default_rng(seed).permutation(num)
    cut = int(round(num * train_fraction))
    return np.sort(order[:cut]), np.sort(order[cut:])


# --------------------------------------------------------------------------- scenes
def resize_object(image: np.ndarray, size: int) -> np.ndarray:
    """A 28 x 28 item resized to size x size (bilinear, as PIL computes it)."""
    return np.asarray(Image.fromarray(image).resize((size, size), Image.BILINEAR))


def paint(canvas_size: int, objects: Sequence[dict]) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Paste the objects in depth order (first = farthest).

    Each object is ``dict(pixels=s x s uint8, x=left, y=top)``. Returns the
    grey canvas and each object's visible mask (its own pixels minus what
    later objects cover).
    """
    canvas = np.zeros((canvas_size, canvas_size), np.uint8)
    owner = np.full((canvas_size, canvas_size), -1, np.int64)
    for i, obj in enumerate(objects):
        pix = obj['pixels']
        s = pix.shape[0]
        own = pix >= MASK_THRESHOLD
        window = (slice(obj['y'], obj['y'] + s), slice(obj['x'], obj['x'] + s))
        canvas[window][own] = pix[own]
        owner[window][own] = i
    return canvas, [owner == i for i in range(len(objects))]


def place_objects(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray,
                  pool: np.ndarray, canvas_size: int, num_objects: int,
                  object_size: Tuple[int, int], tries: int = 30) -> List[dict]:
    """Draw ``num_objects`` items from ``pool`` and place them so that each
    keeps ``MIN_VISIBLE`` of its mask and ``MIN_AREA`` pixels visible (an item
    that finds no such place in ``tries`` draws is left out)."""
    placed: List[dict] = []
    for _ in range(num_objects):
        src = int(pool[rng.integers(len(pool))])
        for _ in range(tries):
            size = int(rng.integers(object_size[0], object_size[1] + 1))
            pix = resize_object(images[src], size)
            full = int((pix >= MASK_THRESHOLD).sum())
            if full < MIN_AREA:
                break  # too faint at this size: draw another item
            x, y = (int(v) for v in rng.integers(0, canvas_size - size + 1, 2))
            trial = placed + [dict(pixels=pix, x=x, y=y, label=int(labels[src]), source=src,
                                   area=full)]
            _, masks = paint(canvas_size, trial)
            if all(m.sum() >= max(MIN_AREA, MIN_VISIBLE * o['area'])
                   for m, o in zip(masks, trial)):
                placed = trial
                break
    return placed


def box_of(mask: np.ndarray) -> List[float]:
    """COCO [x, y, w, h] of a mask's pixels (pixel edges, so a 1-pixel object is 1 x 1)."""
    ys, xs = np.nonzero(mask)
    return [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1),
            float(ys.max() - ys.min() + 1)]


def rle_encode(mask: np.ndarray) -> Dict[str, list]:
    """Uncompressed COCO RLE: run lengths of the column-major mask, zeros first."""
    flat = np.asarray(mask, bool).flatten(order='F')
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat[0]:
        counts = [0] + counts
    return dict(counts=counts, size=list(mask.shape))


def make_scene(rng, images, labels, pool, canvas_size, num_objects, object_size):
    """One scene: (canvas, semantic map, annotations [(label, mask, source)])."""
    objects = place_objects(rng, images, labels, pool, canvas_size, num_objects, object_size)
    canvas, masks = paint(canvas_size, objects)
    semantic = np.zeros_like(canvas)
    for obj, mask in zip(objects, masks):
        semantic[mask] = obj['label'] + 1
    return canvas, semantic, [(o['label'], m, o['source']) for o, m in zip(objects, masks)]


def write_split(out: str, split: str, num_scenes: int, rng, images, labels, pool, args) -> dict:
    img_dir, sem_dir = osp.join(out, 'images', split), osp.join(out, 'semantic', split)
    os.makedirs(img_dir), os.makedirs(sem_dir)
    coco_images, annotations, sources = [], [], set()
    for i in range(num_scenes):
        n = int(rng.integers(args.min_objects, args.max_objects + 1))
        canvas, semantic, objs = make_scene(rng, images, labels, pool, args.size, n,
                                            tuple(args.object_size))
        name = f'{i:06d}.png'
        Image.fromarray(canvas).save(osp.join(img_dir, name))
        Image.fromarray(semantic).save(osp.join(sem_dir, name))
        coco_images.append(dict(id=i + 1, file_name=name, width=args.size, height=args.size))
        for label, mask, src in objs:
            box = box_of(mask)
            annotations.append(dict(id=len(annotations) + 1, image_id=i + 1, category_id=label + 1,
                                    bbox=box, area=float(mask.sum()), iscrowd=0,
                                    segmentation=rle_encode(mask), source_index=src))
            sources.add(src)
    coco = dict(images=coco_images, annotations=annotations,
                categories=[dict(id=c + 1, name=name) for c, name in enumerate(CLASSES)])
    with open(osp.join(out, 'annotations', f'instances_{split}.json'), 'w') as f:
        json.dump(coco, f)
    return dict(scenes=num_scenes, objects=len(annotations), source_images=len(sources))


# --------------------------------------------------------------------------- videos
def davis_palette() -> List[int]:
    from mec_plugin.evaluation.video.davis import davis_palette as palette
    return palette().reshape(-1).tolist()


def write_videos(out: str, rng, images, labels, pool, args) -> dict:
    """Short DAVIS-layout sequences: 2-3 val items moving and scaling over the
    canvas, one passing in front of another; every frame annotated."""
    root = osp.join(out, 'videos')
    names = [f'fmnist{v:03d}' for v in range(args.videos)]
    palette = davis_palette()
    lo, hi = args.object_size
    for name in names:
        frame_dir = osp.join(root, 'JPEGImages', '480p', name)
        ann_dir = osp.join(root, 'Annotations', '480p', name)
        os.makedirs(frame_dir), os.makedirs(ann_dir)
        tracks = []
        for _ in range(int(rng.integers(2, 4))):
            src = int(pool[rng.integers(len(pool))])
            s0, s1 = (int(v) for v in rng.integers(lo, hi + 1, 2))
            start = rng.uniform(0, args.size - max(s0, s1), 2)
            end = rng.uniform(0, args.size - max(s0, s1), 2)
            tracks.append((src, s0, s1, start, end))
        for t in range(args.frames):
            a = t / max(1, args.frames - 1)
            objects = []
            for src, s0, s1, start, end in tracks:
                size = int(round(s0 + a * (s1 - s0)))
                x, y = (int(round(v)) for v in start + a * (end - start))
                objects.append(dict(pixels=resize_object(images[src], size), x=x, y=y))
            canvas, masks = paint(args.size, objects)
            ids = np.zeros_like(canvas)
            for k, mask in enumerate(masks):
                ids[mask] = k + 1
            Image.fromarray(canvas).save(osp.join(frame_dir, f'{t:05d}.jpg'), quality=95)
            ann = Image.fromarray(ids, mode='P')
            ann.putpalette(palette)
            ann.save(osp.join(ann_dir, f'{t:05d}.png'))
    os.makedirs(osp.join(root, 'ImageSets', '2017'))
    with open(osp.join(root, 'ImageSets', '2017', 'val.txt'), 'w') as f:
        f.write(''.join(n + '\n' for n in names))
    return dict(videos=args.videos, frames=args.frames)


# --------------------------------------------------------------------------- CLI
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', help='output folder (must not exist, or be empty)')
    p.add_argument('--source', default=DEFAULT_SOURCE,
                   help='folder with the Fashion-MNIST t10k-*-ubyte[.gz] files')
    p.add_argument('--train-scenes', type=int, default=2000)
    p.add_argument('--val-scenes', type=int, default=500)
    p.add_argument('--train-fraction', type=float, default=0.8,
                   help='share of the 10,000 source images that feed the training scenes')
    p.add_argument('--size', type=int, default=64, help='canvas side (px)')
    p.add_argument('--min-objects', type=int, default=2)
    p.add_argument('--max-objects', type=int, default=5)
    p.add_argument('--object-size', type=int, nargs=2, default=[14, 32], metavar=('MIN', 'MAX'),
                   help='object side range (px), the 28-px items resized')
    p.add_argument('--videos', type=int, default=8, help='DAVIS-layout sequences (0: none)')
    p.add_argument('--frames', type=int, default=24, help='frames per sequence')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--force', action='store_true', help='replace the contents of a non-empty OUT')
    args = p.parse_args(argv)
    if not 0 < args.train_fraction < 1:
        p.error(f'--train-fraction must be in (0, 1), got {args.train_fraction}')
    lo, hi = args.object_size
    if not 8 <= lo <= hi <= args.size:
        p.error(f'--object-size {lo} {hi}: need 8 <= MIN <= MAX <= --size ({args.size})')
    if not 1 <= args.min_objects <= args.max_objects:
        p.error(f'--min-objects {args.min_objects} / --max-objects {args.max_objects}: '
                'need 1 <= MIN <= MAX')
    return args


def generate(args) -> dict:
    images, labels = load_test_split(args.source)
    train_pool, val_pool = split_sources(len(images), args.train_fraction, args.seed)
    # one stream per part: changing --val-scenes leaves the training scenes as they were
    streams = np.random.SeedSequence(args.seed).spawn(3)
    os.makedirs(osp.join(args.out, 'annotations'), exist_ok=True)
    meta = dict(args={k: v for k, v in vars(args).items() if k not in ('out', 'force', 'source')},
                classes=list(CLASSES), mask_threshold=MASK_THRESHOLD, min_visible=MIN_VISIBLE)
    meta['train'] = write_split(args.out, 'train', args.train_scenes,
                                np.random.default_rng(streams[0]), images, labels, train_pool, args)
    meta['val'] = write_split(args.out, 'val', args.val_scenes, np.random.default_rng(streams[1]),
                              images, labels, val_pool, args)
    if args.videos:
        meta['videos'] = write_videos(args.out, np.random.default_rng(streams[2]), images, labels,
                                      val_pool, args)
    with open(osp.join(args.out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return meta


def main(argv=None) -> int:
    args = parse_args(argv)
    if osp.exists(args.out) and not osp.isdir(args.out):
        print(f'error: {args.out} exists and is not a folder', file=sys.stderr)
        return 1
    if osp.isdir(args.out) and os.listdir(args.out):
        if not args.force:
            print(f'error: {args.out} is not empty; pass --force to replace its contents',
                  file=sys.stderr)
            return 1
        shutil.rmtree(args.out)
    try:
        meta = generate(args)
    except (FileNotFoundError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    print(f"{args.out}: {meta['train']['scenes']} train scenes ({meta['train']['objects']} objects "
          f"from {meta['train']['source_images']} images), {meta['val']['scenes']} val scenes "
          f"({meta['val']['objects']} objects from {meta['val']['source_images']} images)"
          + (f", {args.videos} videos of {args.frames} frames" if args.videos else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
