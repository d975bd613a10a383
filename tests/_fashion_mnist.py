"""A tiny Fashion-MNIST made in the tests: IDX files of blob 'items' on exact black."""
import gzip
import os
import os.path as osp

import numpy as np


def write_idx(path: str, array: np.ndarray, compress: bool = False) -> None:
    """An IDX file of unsigned bytes (magic 0x0800 | ndim, big-endian sizes)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(
        int(n).to_bytes(4, 'big') for n in array.shape)
    data = header + np.ascontiguousarray(array, np.uint8).tobytes()
    with (gzip.open(path, 'wb') if compress else open(path, 'wb')) as f:
        f.write(data)


def tiny_fashion_mnist(root, num: int = 120, compress: bool = False,
                       with_train: bool = False) -> str:
    """``num`` 28 x 28 'items' (bright blobs on exact black, as Fashion-MNIST's) as the test
    split, and with ``with_train`` the same as the (uncompressed) training split."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:28, :28]
    images = np.zeros((num, 28, 28), np.uint8)
    for i in range(num):
        cy, cx = rng.uniform(10, 18, 2)
        ry, rx = rng.uniform(5, 12, 2)
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        images[i][inside] = rng.integers(60, 256, inside.sum())
    labels = (np.arange(num) % 10).astype(np.uint8)
    os.makedirs(root, exist_ok=True)
    ext = '.gz' if compress else ''
    write_idx(osp.join(root, 't10k-images-idx3-ubyte' + ext), images, compress)
    write_idx(osp.join(root, 't10k-labels-idx1-ubyte' + ext), labels, compress)
    if with_train:
        write_idx(osp.join(root, 'train-images-idx3-ubyte'), images)
        write_idx(osp.join(root, 'train-labels-idx1-ubyte'), labels)
    return str(root)
