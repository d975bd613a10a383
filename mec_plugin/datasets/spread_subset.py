import copy
from typing import Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mec_plugin.registry import DATASETS


@DATASETS.register_module()
class SpreadSubset:
    """``num_samples`` items spread evenly over a dataset, deterministically.

    mmengine's ``indices=N`` keeps the *first* N items, which on a
    class-sorted ImageFolder tree (CIFAR-10 as ``train/<class>/*``) means the
    first two or three classes only. This wrapper keeps items
    ``floor(i * len / num_samples)``, i.e. every class in proportion.

    Args:
        dataset (dict | BaseDataset): the dataset (config) to subsample.
        num_samples (int): how many items to keep; all of them if the
            dataset is smaller.
    """

    def __init__(self, dataset: Union[dict, BaseDataset], num_samples: int) -> None:
        if num_samples < 1:
            raise ValueError(f'SpreadSubset: num_samples must be >= 1, got {num_samples}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        total = len(self.dataset)
        if num_samples >= total:
            self.indices = np.arange(total)
        else:
            self.indices = (np.arange(num_samples) * total) // num_samples
        self.metainfo = getattr(self.dataset, 'metainfo', {})

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int):
        item = self.dataset[int(self.indices[idx])]
        # The subset is a dataset of its own: its samples are numbered
        # 0..len-1, as CMC's memory bank (one row per training image,
        # n_data = len(dataset)) expects of `sample_idx`.
        samples = item.get('data_samples') if isinstance(item, dict) else None
        if samples is not None and 'sample_idx' in samples:
            samples.set_metainfo(dict(sample_idx=int(idx) % len(self)))
        return item

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's annotation of item ``idx`` of the subset."""
        return self.dataset.get_data_info(int(self.indices[idx]))

    def get_subset(self, indices: Sequence[int]) -> 'SpreadSubset':
        """The items at ``indices`` of this subset (mmengine's ``BaseDataset``
        API, which the feature tools' ``strides`` use)."""
        subset = copy.copy(self)
        subset.indices = self.indices[np.asarray(indices, dtype=np.int64)]
        return subset
