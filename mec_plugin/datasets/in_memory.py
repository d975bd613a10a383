"""A small image dataset decoded once and kept in memory as one uint8 tensor.

At 28-32 px, decoding and transforming each image with PIL in data-loader
workers costs more than the training step of a small network on a 2-core CPU,
and the workers compete with the step for the same cores. This wrapper
decodes every image of a dataset once, at build time, into one
``[N, C, H, W]`` uint8 tensor; items are views of that tensor, and a batch is
one ``stack``. The augmentation then runs batched on the model's device
(:class:`~mec_plugin.models.data_preprocessors.BatchAugmentPreprocessor`).
"""
import copy
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dataset import BaseDataset

from mec_plugin.host import DataSample
from mec_plugin.registry import DATASETS
from .loading import LoadImageFromFileChecked


def _to_chw(img: np.ndarray, name: str) -> np.ndarray:
    if img.ndim == 2:
        img = img[:, :, None]
    if img.ndim != 3 or img.shape[2] not in (1, 3):
        raise ValueError(f'InMemoryImages: {name} has shape {img.shape}; expected H x W '
                         '(grayscale) or H x W x 3 (colour)')
    if img.dtype != np.uint8:
        raise ValueError(f'InMemoryImages: {name} is {img.dtype}; expected uint8 pixels')
    return np.ascontiguousarray(img.transpose(2, 0, 1))


@DATASETS.register_module()
class InMemoryImages:
    """Every image of ``dataset`` as a uint8 ``[C, H, W]`` tensor, decoded once.

    Image files (``img_path``, e.g. an ImageFolder ``CustomDataset``) are
    decoded with :class:`LoadImageFromFileChecked` (errors name the file) and
    stored **RGB**; datasets that hold arrays already (mmpretrain's
    ``MNIST`` / ``FashionMNIST``: ``img``) are stored as they are. All images
    must have the same size and number of channels. The wrapped dataset's own
    pipeline is not applied.

    An item is ``dict(inputs=uint8 [C, H, W], data_samples=DataSample)`` with
    ``gt_label`` (when the dataset has labels) and ``sample_idx``: the
    ``PackInputs`` output of an unaugmented image, so mmengine's
    ``default_collate`` stacks a batch into ``[B, C, H, W]`` and
    ``ClsDataPreprocessor`` (k-NN, probes) or
    ``BatchAugmentPreprocessor`` (pre-training) take it from there.

    Args:
        dataset (dict | BaseDataset): the dataset (config) to decode; it may
            be wrapped (``SpreadSubset``).
        grayscale (bool): decode image files as one channel. Defaults to False.
    """

    def __init__(self, dataset: Union[dict, BaseDataset], grayscale: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.metainfo = getattr(self.dataset, 'metainfo', {})
        n = len(self.dataset)
        if n == 0:
            raise ValueError('InMemoryImages: the wrapped dataset is empty')
        loader = LoadImageFromFileChecked(color_type='grayscale' if grayscale else 'color')
        images, labels = None, []
        for i in range(n):
            info = self.dataset.get_data_info(i)
            if info.get('img') is not None:
                name = f'image {i} of {type(self.dataset).__name__}'
                img = _to_chw(np.asarray(info['img']), name)
            else:
                name = info['img_path']
                img = _to_chw(loader.transform(dict(img_path=name))['img'], name)
                if img.shape[0] == 3:
                    img = img[::-1]  # mmcv decodes BGR
            if images is None:
                images = np.empty((n, ) + img.shape, np.uint8)
                first = name
            elif img.shape != images.shape[1:]:
                raise ValueError(f'InMemoryImages: {name} is {tuple(img.shape)} (C, H, W) but '
                                 f'{first} is {tuple(images.shape[1:])}; every image must have '
                                 'the same size (resize the data set once beforehand)')
            images[i] = img
            labels.append(int(info.get('gt_label', -1)))
        self.images = torch.from_numpy(images)
        self.labels = torch.tensor(labels, dtype=torch.long)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, idx: int) -> dict:
        sample = DataSample()
        sample.set_metainfo(dict(sample_idx=int(idx)))
        label = int(self.labels[idx])
        if label >= 0:
            sample.set_gt_label(label)
        return dict(inputs=self.images[idx], data_samples=sample)

    def get_data_info(self, idx: int) -> dict:
        return dict(img=self.images[idx].permute(1, 2, 0).numpy(),
                    gt_label=int(self.labels[idx]), sample_idx=int(idx))

    def get_subset(self, indices: Sequence[int]) -> 'InMemoryImages':
        """The items at ``indices`` (mmengine's ``BaseDataset`` API, used by the
        feature tools' ``strides``), sharing no memory with this dataset."""
        subset = copy.copy(self)
        index = torch.as_tensor(np.asarray(indices, dtype=np.int64))
        subset.images, subset.labels = self.images[index], self.labels[index]
        return subset


__all__ = ['InMemoryImages']
