import pytest
from mmengine.dataset import BaseDataset

from mec_plugin.datasets import SpreadSubset


class _Sorted(BaseDataset):
    """10 classes x 100 items, sorted by class like an ImageFolder tree."""

    def load_data_list(self):
        return [dict(gt_label=c, idx=c * 100 + i) for c in range(10) for i in range(100)]


def test_subset_keeps_every_class_in_proportion():
    subset = SpreadSubset(_Sorted(), num_samples=50)
    labels = [subset[i]['gt_label'] for i in range(len(subset))]
    assert len(subset) == 50
    assert [labels.count(c) for c in range(10)] == [5] * 10
    assert [subset[i]['idx'] for i in range(3)] == [0, 20, 40]


def test_subset_larger_than_the_dataset_keeps_everything():
    subset = SpreadSubset(_Sorted(), num_samples=5000)
    assert len(subset) == 1000 and subset[999]['idx'] == 999


def test_bad_size_is_named():
    with pytest.raises(ValueError, match='num_samples'):
        SpreadSubset(_Sorted(), num_samples=0)


def test_get_subset_takes_positions_of_the_subset():
    subset = SpreadSubset(_Sorted(), num_samples=50)  # items 0, 20, 40, ...
    strided = subset.get_subset(list(range(0, 50, 5)))  # every 5th: one per class
    assert len(strided) == 10 and len(subset) == 50
    assert [strided[i]['idx'] for i in range(10)] == [c * 100 for c in range(10)]
