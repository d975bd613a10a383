"""knn_eval.py --pixels: the same weighted k-NN on the images themselves, raw and
centred, against an independent float64 computation from the image files."""
import os

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from _eval_data import make_image_folder, write_tiny_config
from _scripts import load_tool


def _pixels(root, split):
    feats, labels = [], []
    for c, cls in enumerate(sorted(os.listdir(os.path.join(root, split)))):
        folder = os.path.join(root, split, cls)
        for name in sorted(os.listdir(folder)):
            feats.append(np.asarray(Image.open(os.path.join(folder, name)).convert('RGB'),
                                    np.float64).ravel())
            labels.append(c)
    return np.stack(feats), np.array(labels)


def _weighted_knn(train, train_y, test, test_y, k, temperature=0.07):
    a = train / np.linalg.norm(train, axis=1, keepdims=True)
    b = test / np.linalg.norm(test, axis=1, keepdims=True)
    sims = b @ a.T
    correct = 0
    for row, y in zip(sims, test_y):
        top = np.argsort(-row)[:k]
        votes = np.zeros(train_y.max() + 1)
        np.add.at(votes, train_y[top], np.exp(row[top] / temperature))
        correct += votes.argmax() == y
    return 100.0 * correct / len(test_y)


@pytest.mark.parametrize('mode', ['raw', 'centred'])
def test_pixel_baselines_equal_an_independent_computation(mode, tmp_path):
    root = make_image_folder(str(tmp_path / 'data'), classes=4, per_class=6, size=8, seed=3)
    cfg = Config.fromfile(write_tiny_config(str(tmp_path / 'cfg.py'), root))
    knn_eval = load_tool('tools/analysis/knn_eval.py')
    result = knn_eval.evaluate(cfg, None, ks=(1, 5), pixels=mode, progress=False)
    train, train_y = _pixels(root, 'train')
    test, test_y = _pixels(root, 'test')
    if mode == 'centred':
        mean = train.mean(axis=0, keepdims=True)
        train, test = train - mean, test - mean
    assert result['checkpoint'] == f'{mode} pixels' and result['feature_dim'] == 8 * 8 * 3
    assert (result['num_train'], result['num_test']) == (24, 24)
    for k in (1, 5):
        expected = _weighted_knn(train, train_y, test, test_y, k)
        assert result['weighted_knn'][f'k={k},T=0.07'] == pytest.approx(expected, abs=1e-3)


def test_pixels_refuse_an_unknown_mode():
    knn_eval = load_tool('tools/analysis/knn_eval.py')
    with pytest.raises(ValueError, match="pixels must be 'raw' or 'centred'"):
        knn_eval.evaluate(None, None, pixels='mean')
