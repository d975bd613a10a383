"""Tiny generated datasets: a CIFAR-like ImageFolder tree for the benchmark scripts,
and detection / segmentation datasets in the layouts mmdet and mmseg read: COCO
instances, VOC07+12 detection, VOC 2012 (+aug) segmentation.

Each image holds a few coloured shapes on noise; every shape is an object
with its box, its polygon (COCO) and its pixels (segmentation masks), so the
heads have something learnable. Used by the tests, and from the command line
for the documented smoke run (docs/user_guides/downstream.md):

    python tests/benchmarks/tiny_datasets.py coco /tmp/tiny_coco
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Tuple

import numpy as np
from PIL import Image, ImageDraw

# COCO category ids / VOC class names the shapes are labelled with (names
# from each dataset's own class list, so no metainfo change is needed).
COCO_CATEGORIES = [dict(id=1, name='person'), dict(id=2, name='bicycle'),
                   dict(id=3, name='car')]
VOC_CLASSES = ['person', 'dog', 'car']
SEG_CLASS_IDS = [15, 12, 7]  # person, dog, car in VOC's 21-class label map


def make_cifar_folder(root: str, per_class_train: int, per_class_test: int = 4,
                      classes: int = 10) -> str:
    """A CIFAR-10-like ImageFolder tree (``train/``, ``test/``, 32 x 32 PNGs); class c is
    noise around grey level 25 c, so a k-NN has something to find."""
    rng = np.random.default_rng(0)
    for split, n in (('train', per_class_train), ('test', per_class_test)):
        for c in range(classes):
            d = os.path.join(root, split, f'class{c}')
            os.makedirs(d, exist_ok=True)
            for i in range(n):
                img = np.clip(rng.normal(25 * c, 40, (32, 32, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(img).save(os.path.join(d, f'{i:04d}.png'))
    return root


def _polygon(cx: float, cy: float, rx: float, ry: float, n: int = 8) -> List[Tuple[float, float]]:
    """An n-gon (an ellipse, roughly) around (cx, cy)."""
    t = np.arange(n) * 2 * np.pi / n
    return [(float(cx + rx * np.cos(a)), float(cy + ry * np.sin(a))) for a in t]


def _scene(rng, width: int, height: int, max_objects: int = 3):
    """An RGB image and its objects: (class index, polygon, box xyxy)."""
    img = Image.fromarray(rng.integers(0, 60, (height, width, 3), dtype=np.uint8))
    draw = ImageDraw.Draw(img)
    objects = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        cls = int(rng.integers(0, 3))
        rx, ry = rng.uniform(0.12, 0.25) * width, rng.uniform(0.12, 0.25) * height
        cx, cy = rng.uniform(rx, width - rx), rng.uniform(ry, height - ry)
        poly = _polygon(cx, cy, rx, ry)
        colour = [(220, 40, 40), (40, 220, 40), (40, 40, 220)][cls]
        draw.polygon(poly, fill=colour)
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        objects.append((cls, poly, (min(xs), min(ys), max(xs), max(ys))))
    return img, objects


def make_coco(root: str, num_images: int = 4, size=(160, 128), seed: int = 0) -> str:
    """COCO instances in mmdet's default layout: ``annotations/instances_{split}2017.json``
    and ``{split}2017/*.jpg`` for split in train, val (the same images)."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    scenes = [_scene(rng, *size) for _ in range(num_images)]
    for split in ('train', 'val'):
        img_dir = osp.join(root, f'{split}2017')
        os.makedirs(img_dir, exist_ok=True)
        images, annotations = [], []
        for i, (img, objects) in enumerate(scenes):
            name = f'{i:06d}.jpg'
            img.save(osp.join(img_dir, name), quality=95)
            images.append(dict(id=i + 1, file_name=name, width=size[0], height=size[1]))
            for cls, poly, (x1, y1, x2, y2) in objects:
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=i + 1,
                    category_id=COCO_CATEGORIES[cls]['id'],
                    segmentation=[[c for p in poly for c in p]],
                    bbox=[x1, y1, x2 - x1, y2 - y1], area=(x2 - x1) * (y2 - y1) * 0.7,
                    iscrowd=0))
        with open(osp.join(root, 'annotations', f'instances_{split}2017.json'), 'w') as f:
            json.dump(dict(images=images, annotations=annotations,
                           categories=COCO_CATEGORIES), f)
    return root


def make_voc_detection(root: str, num_images: int = 3, size=(160, 128), seed: int = 0) -> str:
    """VOCdevkit-style ``VOC2007/`` and ``VOC2012/`` (Annotations/*.xml,
    JPEGImages/*.jpg, ImageSets/Main/{trainval,test}.txt)."""
    rng = np.random.default_rng(seed)
    for year in ('VOC2007', 'VOC2012'):
        for sub in ('Annotations', 'JPEGImages', 'ImageSets/Main'):
            os.makedirs(osp.join(root, year, sub), exist_ok=True)
        ids = []
        for i in range(num_images):
            img, objects = _scene(rng, *size)
            img_id = f'{year[-4:]}_{i:06d}'
            ids.append(img_id)
            img.save(osp.join(root, year, 'JPEGImages', img_id + '.jpg'), quality=95)
            objs = ''.join(
                f'<object><name>{VOC_CLASSES[c]}</name><difficult>0</difficult><bndbox>'
                f'<xmin>{int(x1) + 1}</xmin><ymin>{int(y1) + 1}</ymin>'
                f'<xmax>{int(x2)}</xmax><ymax>{int(y2)}</ymax></bndbox></object>'
                for c, _, (x1, y1, x2, y2) in objects)
            with open(osp.join(root, year, 'Annotations', img_id + '.xml'), 'w') as f:
                f.write(f'<annotation><filename>{img_id}.jpg</filename><size>'
                        f'<width>{size[0]}</width><height>{size[1]}</height><depth>3</depth>'
                        f'</size>{objs}</annotation>')
        for split in ('trainval', 'test'):
            with open(osp.join(root, year, 'ImageSets', 'Main', f'{split}.txt'), 'w') as f:
                f.write('\n'.join(ids) + '\n')
    return root


def make_voc_segmentation(root: str, num_images: int = 3, size=(160, 128), seed: int = 0) -> str:
    """``VOCdevkit/VOC2012``-style segmentation data: JPEGImages, SegmentationClass,
    SegmentationClassAug (label PNGs; 255 on a 2-px object border, as VOC
    marks it) and ImageSets/Segmentation/{train,aug,val}.txt."""
    rng = np.random.default_rng(seed)
    for sub in ('JPEGImages', 'SegmentationClass', 'SegmentationClassAug',
                'ImageSets/Segmentation'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    ids = []
    for i in range(num_images):
        img, objects = _scene(rng, *size)
        label = Image.new('L', size, 0)
        draw = ImageDraw.Draw(label)
        for cls, poly, _ in objects:
            draw.polygon(poly, fill=SEG_CLASS_IDS[cls], outline=255, width=2)
        img_id = f'2012_{i:06d}'
        ids.append(img_id)
        img.save(osp.join(root, 'JPEGImages', img_id + '.jpg'), quality=95)
        for sub in ('SegmentationClass', 'SegmentationClassAug'):
            label.save(osp.join(root, sub, img_id + '.png'))
    for split in ('train', 'aug', 'val'):
        with open(osp.join(root, 'ImageSets', 'Segmentation', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
    return root


if __name__ == '__main__':
    makers = dict(coco=make_coco, voc_det=make_voc_detection, voc_seg=make_voc_segmentation)
    parser = argparse.ArgumentParser(description='write a tiny generated dataset')
    parser.add_argument('kind', choices=sorted(makers))
    parser.add_argument('root')
    parser.add_argument('--num-images', type=int, default=4)
    args = parser.parse_args()
    print(makers[args.kind](args.root, num_images=args.num_images))
