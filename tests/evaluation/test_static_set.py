import hashlib
import os

import pytest
import torch

import mec_plugin  # noqa: F401
from mec_plugin.evaluation import (build_backbone, extract_static_features, list_static_set,
                                   make_static_augmented_set)
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules
from _eval_data import TINY_BACKBONE, make_image_folder

register_all_modules(init_default_scope=True)


def digest(root):
    h = hashlib.sha256()
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            h.update(f.encode())
            with open(os.path.join(d, f), 'rb') as fh:
                h.update(fh.read())
    return h.hexdigest()


@pytest.fixture(scope='module')
def src(tmp_path_factory):
    return os.path.join(make_image_folder(str(tmp_path_factory.mktemp('src')), per_class=5,
                                          size=24, splits=('train', )), 'train')


def test_static_set_is_deterministic_for_a_seed(src, tmp_path):
    n = make_static_augmented_set(src, str(tmp_path / 'a'), images_per_class=3, seed=7, size=16)
    make_static_augmented_set(src, str(tmp_path / 'b'), images_per_class=3, seed=7, size=16)
    make_static_augmented_set(src, str(tmp_path / 'c'), images_per_class=3, seed=8, size=16)
    assert n == 4 * 3
    assert digest(tmp_path / 'a') == digest(tmp_path / 'b')
    assert digest(tmp_path / 'a') != digest(tmp_path / 'c')
    files = sorted(os.listdir(tmp_path / 'a' / 'class0'))
    # the first 3 images in sorted order, each as original + 2 views
    assert files == [f'{i:03d}-{v}.jpeg' for i in range(3) for v in range(3)]
    stems, labels, classes = list_static_set(str(tmp_path / 'a'))
    assert len(stems) == 12 and labels.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    assert classes == ['class0', 'class1', 'class2', 'class3']


def test_views_are_cropped_to_size_and_originals_kept(src, tmp_path):
    import mmcv
    make_static_augmented_set(src, str(tmp_path / 's'), images_per_class=1, seed=0, size=12)
    assert mmcv.imread(str(tmp_path / 's' / 'class1' / '000-0.jpeg')).shape == (24, 24, 3)
    assert mmcv.imread(str(tmp_path / 's' / 'class1' / '000-1.jpeg')).shape == (12, 12, 3)


def test_static_features_have_one_row_per_image(src, tmp_path):
    make_static_augmented_set(src, str(tmp_path / 's'), images_per_class=2, seed=0, size=16)
    backbone = build_backbone(TINY_BACKBONE)
    pre = MODELS.build(dict(type='ClsDataPreprocessor', mean=[127.5] * 3, std=[64.] * 3))
    feats = extract_static_features(backbone, pre, str(tmp_path / 's'), batch_size=3,
                                    orig_resize=16, crop=16)
    assert feats['orig'].shape == feats['view1'].shape == feats['view2'].shape == (8, 64)
    assert not torch.allclose(feats['orig'], feats['view1'])
    # eval mode: the rows do not depend on how the images were batched
    again = extract_static_features(backbone, pre, str(tmp_path / 's'), batch_size=8,
                                    orig_resize=16, crop=16)
    assert torch.allclose(feats['view2'], again['view2'], atol=1e-5)
