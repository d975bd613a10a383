"""The static augmented set of ssl-small (``experiments/sample-augs.py``).

For N images per class of an ImageFolder tree, three JPEGs are written to
``<dst>/<class>/``: ``<stem>-0.jpeg`` (the original, re-saved, not resized)
and ``<stem>-1.jpeg``, ``<stem>-2.jpeg`` (two independent MoCo-v2 views).
Retrieval (:mod:`.retrieval`) and the representation statistics read it back.

Differences from the official script, and why:

* files are taken in *sorted* order (the official code used ``os.listdir``
  order, which depends on the file system), so the set is reproducible;
* each image's views come from a random state seeded by (seed, class, file
  name), so the set does not depend on the processing order either;
* the MoCo-v2 views are built from mmpretrain's transforms (the same
  pipeline as mmpretrain's ``imagenet_bs32_mocov2.py``); ``size`` and
  ``blur_prob`` may be lowered for 32-px data, where a blur of sigma 0.1-2 px
  erases the image.
"""
import os
import os.path as osp
import random
import zlib
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.tif', '.tiff', '.webp')


def moco_v2_view_pipeline(size: int = 224, blur_prob: float = 0.5) -> List[dict]:
    """The MoCo-v2 view as mmpretrain transform configs.

    RandomResizedCrop(size, (0.2, 1)), ColorJitter(0.4, 0.4, 0.4, 0.1) p=0.8,
    grayscale p=0.2, Gaussian blur sigma ~ U[0.1, 2] p=``blur_prob``, flip.
    """
    return [
        dict(type='RandomResizedCrop', scale=size, crop_ratio_range=(0.2, 1.), backend='pillow'),
        dict(type='RandomApply',
             transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4,
                              hue=0.1)],
             prob=0.8),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=blur_prob),
        dict(type='RandomFlip', prob=0.5),
    ]


def list_image_folder(root: str) -> List[Tuple[str, List[str]]]:
    """``[(class name, sorted image file names)]`` of an ImageFolder tree, classes sorted."""
    classes = sorted(d for d in os.listdir(root) if osp.isdir(osp.join(root, d)))
    if not classes:
        raise FileNotFoundError(f'no class directories under {root}')
    return [(c, sorted(f for f in os.listdir(osp.join(root, c))
                       if f.lower().endswith(IMG_EXTENSIONS))) for c in classes]


def _image_seed(seed: int, cls: str, name: str) -> int:
    return zlib.crc32(f'{seed}/{cls}/{name}'.encode())


def make_static_augmented_set(src: str, dst: str, images_per_class: int = 50, seed: int = 0,
                              size: int = 224, blur_prob: float = 0.5,
                              progress: bool = False) -> int:
    """Write the static augmented set of ``src`` (an ImageFolder) to ``dst``.

    Returns:
        int: the number of original images processed.
    """
    import mmcv
    from mmcv.transforms import Compose

    from mec_plugin.registry import TRANSFORMS
    view = Compose([TRANSFORMS.build(t) for t in moco_v2_view_pipeline(size, blur_prob)])
    count = 0
    for cls, files in list_image_folder(src):
        os.makedirs(osp.join(dst, cls), exist_ok=True)
        for name in files[:images_per_class]:
            img = mmcv.imread(osp.join(src, cls, name), channel_order='bgr')
            if img is None:
                raise IOError(f'cannot read {osp.join(src, cls, name)}')
            stem = osp.splitext(name)[0]
            # one random state per image: reproducible whatever the order
            image_seed = _image_seed(seed, cls, name)
            np.random.seed(image_seed)
            random.seed(image_seed)
            views = [img] + [view(dict(img=img.copy(), img_shape=img.shape[:2],
                                       ori_shape=img.shape[:2]))['img'] for _ in range(2)]
            for i, v in enumerate(views):
                mmcv.imwrite(v, osp.join(dst, cls, f'{stem}-{i}.jpeg'), params=[1, 95])
            count += 1
        if progress:
            print(f'{cls}: {min(len(files), images_per_class)} images')
    return count


def list_static_set(root: str) -> Tuple[List[str], Tensor, List[str]]:
    """The stems of a static augmented set, sorted by class then name.

    Returns:
        (``<root>/<class>/<stem>`` prefixes, class index of each, class names)
    """
    stems, labels, classes = [], [], []
    for c, files in list_image_folder(root):
        names = sorted({f.rsplit('-', 1)[0] for f in files
                        if f.rsplit('-', 1)[-1].startswith('0.')})
        if not names:
            continue
        for n in names:
            for i in (1, 2):
                if not osp.isfile(osp.join(root, c, f'{n}-{i}.jpeg')):
                    raise FileNotFoundError(f'{osp.join(root, c, n)}-{i}.jpeg is missing')
        stems += [osp.join(root, c, n) for n in names]
        labels += [len(classes)] * len(names)
        classes.append(c)
    if not stems:
        raise FileNotFoundError(f'no <stem>-0.jpeg files under {root}: not a static augmented set')
    return stems, torch.tensor(labels, dtype=torch.long), classes


def _load_view(path: str, resize: Optional[int], crop: Optional[int]) -> Tensor:
    """An image as a uint8 CHW tensor (BGR, as mmcv reads), optionally resized
    (shorter edge) and centre-cropped; grey images become three channels."""
    import mmcv
    img = mmcv.imread(path, flag='color', channel_order='bgr')
    if resize:
        h, w = img.shape[:2]
        scale = resize / min(h, w)
        img = mmcv.imresize(img, (max(1, round(w * scale)), max(1, round(h * scale))),
                            interpolation='bilinear', backend='pillow')
    if crop:
        h, w = img.shape[:2]
        top, left = max(0, (h - crop) // 2), max(0, (w - crop) // 2)
        img = img[top:top + crop, left:left + crop]
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


@torch.no_grad()
def extract_static_features(backbone: torch.nn.Module, data_preprocessor: torch.nn.Module,
                            root: str, device: str = 'cpu', batch_size: int = 128,
                            orig_resize: Optional[int] = 256, crop: Optional[int] = 224,
                            stage: int = -1) -> Dict[str, Tensor]:
    """Pooled features of the originals and both views of a static set.

    The originals get Resize(``orig_resize``) + CenterCrop(``crop``) (as in
    ssl-small's ``PositivePairDataset``); the views are used as written.
    ``data_preprocessor`` normalises (and turns BGR into RGB if configured).

    Returns:
        dict with ``orig``, ``view1``, ``view2`` ([N, C] float32) and ``labels``.
    """
    stems, labels, classes = list_static_set(root)
    # not chained: mmpretrain's ResNet.train() returns None, so .eval() does too
    backbone.eval()
    backbone.to(device)
    data_preprocessor.to(device)
    out = {'orig': [], 'view1': [], 'view2': []}
    for b0 in range(0, len(stems), batch_size):
        batch = stems[b0:b0 + batch_size]
        for key, i in (('orig', 0), ('view1', 1), ('view2', 2)):
            imgs = [_load_view(f'{s}-{i}.jpeg', *((orig_resize, crop) if i == 0 else (None, None)))
                    for s in batch]
            x = data_preprocessor(dict(inputs=imgs, data_samples=None), False)['inputs']
            f = backbone(x.to(device))[stage]
            out[key].append((f.mean(dim=(2, 3)) if f.dim() == 4 else f).float().cpu())
    feats = {k: torch.cat(v) for k, v in out.items()}
    feats['labels'] = labels
    feats['classes'] = classes
    return feats
