"""Tiny generated data shared by the evaluation tests."""
import os

import numpy as np
from PIL import Image

# A small CIFAR ResNet: 64-d features, fast on the CPU.
TINY_BACKBONE = dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
                     norm_cfg=dict(type='BN'))
COLOURS = [(220, 30, 30), (30, 220, 30), (30, 30, 220), (220, 220, 30)]


def make_image_folder(root, classes=4, per_class=6, size=16, seed=0, splits=('train', 'test')):
    """``root/<split>/class<c>/<i>.png``: a class colour plus noise, so classes separate."""
    rng = np.random.default_rng(seed)
    for split in splits:
        for c in range(classes):
            d = os.path.join(root, split, f'class{c}')
            os.makedirs(d, exist_ok=True)
            for i in range(per_class):
                img = np.array(COLOURS[c % len(COLOURS)], np.int16)[None, None] \
                    + rng.integers(-25, 25, (size, size, 3))
                Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(
                    os.path.join(d, f'{i:03d}.png'))
    return root


def write_idx(path, array):
    """``array`` (uint8 values) as an IDX file, the format of (Fashion-)MNIST."""
    header = bytes([0, 0, 8, array.ndim]) + b''.join(int(n).to_bytes(4, 'big')
                                                      for n in array.shape)
    with open(path, 'wb') as f:
        f.write(header + np.asarray(array).astype(np.uint8).tobytes())


def write_tiny_config(path, data_root, backbone=None):
    """A pre-training-style config with the k-NN loaders the tools read."""
    backbone = backbone or TINY_BACKBONE
    text = f'''
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)
model = dict(type='MEC', backbone={backbone!r})
knn_data_preprocessor = dict(type='ClsDataPreprocessor', mean=[127.5] * 3, std=[64.] * 3,
                             to_rgb=True)
_pipe = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
knn_train_dataloader = dict(batch_size=8, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root={data_root!r}, data_prefix='train',
                 pipeline=_pipe))
knn_test_dataloader = dict(batch_size=8, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root={data_root!r}, data_prefix='test',
                 pipeline=_pipe))
'''
    with open(path, 'w') as f:
        f.write(text)
    return path
