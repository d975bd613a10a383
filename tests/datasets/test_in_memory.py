"""InMemoryImages: decoded once, the same pixels as the file pipeline, clear errors."""
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate
from PIL import Image

from mec_plugin.datasets import InMemoryImages
from mec_plugin.registry import DATASETS

from _eval_data import make_image_folder, write_idx


def _folder(root, **kw):
    return dict(type='CustomDataset', data_root=str(root), data_prefix='train', **kw)


def test_image_folder_is_stored_rgb_with_labels(tmp_path):
    make_image_folder(str(tmp_path), classes=3, per_class=2, size=8, splits=('train', ))
    data = InMemoryImages(_folder(tmp_path, pipeline=[dict(type='RandomFlip', prob=1.)]))
    assert data.images.shape == (6, 3, 8, 8) and data.images.dtype == torch.uint8
    assert data.labels.tolist() == [0, 0, 1, 1, 2, 2]
    # the same pixels as PIL's RGB decoding, and the wrapped pipeline (a flip) is not applied
    first = np.array(Image.open(tmp_path / 'train' / 'class0' / '000.png').convert('RGB'))
    assert torch.equal(data.images[0], torch.from_numpy(first).permute(2, 0, 1))
    item = data[5]
    assert torch.equal(item['inputs'], data.images[5])
    assert item['data_samples'].gt_label.item() == 2 and item['data_samples'].sample_idx == 5
    batch = default_collate([data[i] for i in range(4)])
    assert batch['inputs'].shape == (4, 3, 8, 8) and batch['inputs'].dtype == torch.uint8


def test_grayscale_decoding_and_spread_subset(tmp_path):
    make_image_folder(str(tmp_path), classes=4, per_class=5, size=6, splits=('train', ))
    data = DATASETS.build(dict(type='InMemoryImages', grayscale=True, dataset=dict(
        type='SpreadSubset', num_samples=4, dataset=_folder(tmp_path))))
    assert data.images.shape == (4, 1, 6, 6)
    assert data.labels.tolist() == [0, 1, 2, 3]  # one image of each class
    path = tmp_path / 'train' / 'class2' / '000.png'
    gray = np.asarray(Image.open(path).convert('L')).astype(int)
    # cv2's and PIL's luma rounding differ by at most one grey level
    assert np.abs(data.images[2, 0].numpy().astype(int) - gray).max() <= 1


def test_fashion_mnist_arrays_are_kept_as_they_are(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28))
    labels = rng.integers(0, 10, 7)
    for split in ('train', 't10k'):
        write_idx(tmp_path / f'{split}-images-idx3-ubyte', images)
        write_idx(tmp_path / f'{split}-labels-idx1-ubyte', labels)
    data = InMemoryImages(dict(type='FashionMNIST', data_root=str(tmp_path), test_mode=False,
                               download=False, pipeline=[]))
    assert data.images.shape == (7, 1, 28, 28)
    assert torch.equal(data.images[:, 0], torch.from_numpy(images.astype(np.uint8)))
    assert data.labels.tolist() == labels.tolist()
    sub = data.get_subset([6, 0])
    assert torch.equal(sub.images, data.images[[6, 0]]) and sub.labels.tolist() == [
        labels[6], labels[0]]
    assert len(data) == 7 and len(sub) == 2


def test_mixed_sizes_name_both_files(tmp_path):
    make_image_folder(str(tmp_path), classes=2, per_class=1, size=8, splits=('train', ))
    odd = tmp_path / 'train' / 'class1' / '000.png'
    Image.new('RGB', (9, 8)).save(odd)
    with pytest.raises(ValueError, match=r'class1/000\.png.*\(3, 8, 9\).*class0/000\.png'):
        InMemoryImages(_folder(tmp_path))


def test_empty_file_names_the_file(tmp_path):
    make_image_folder(str(tmp_path), classes=2, per_class=1, size=8, splits=('train', ))
    bad = tmp_path / 'train' / 'class1' / '000.png'
    open(bad, 'wb').close()
    with pytest.raises(OSError, match=r'class1/000\.png'):
        InMemoryImages(_folder(tmp_path))


class _EmptyDataset:
    def __len__(self):
        return 0


def test_empty_dataset_is_refused():
    with pytest.raises(ValueError, match='empty'):
        InMemoryImages(_EmptyDataset())
