"""The Fashion-MNIST scenes generator (tools/dataset_converters/fashion_mnist_scenes.py) on a
tiny IDX test split made here: valid COCO, masks inside their boxes, semantic maps that are
the instance masks painted in depth order, disjoint source images, byte-identical reruns."""
import hashlib
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from _fashion_mnist import tiny_fashion_mnist, write_idx
from _scripts import load_tool

gen = load_tool('tools/dataset_converters/fashion_mnist_scenes.py')


def make(tmp_path, name='scenes', *extra):
    src = tiny_fashion_mnist(tmp_path / 'fmnist')
    out = str(tmp_path / name)
    argv = [out, '--source', src, '--train-scenes', '12', '--val-scenes', '5', '--videos', '2',
            '--frames', '6', '--seed', '3', *extra]
    assert gen.main(argv) == 0
    return out


def test_read_idx_round_trip_and_refuses_other_files(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(str(tmp_path / 'a'), arr)
    write_idx(str(tmp_path / 'b.gz'), arr, compress=True)
    assert np.array_equal(gen.read_idx(str(tmp_path / 'a')), arr)
    assert np.array_equal(gen.read_idx(str(tmp_path / 'b.gz')), arr)
    (tmp_path / 'c').write_bytes(b'\x00\x00\x0d\x01' + b'\x00' * 8)  # float data
    with pytest.raises(ValueError, match='not an IDX file of unsigned bytes'):
        gen.read_idx(str(tmp_path / 'c'))


def test_rle_encode_is_cocos(tmp_path):
    from pycocotools import mask as mask_utils
    rng = np.random.default_rng(0)
    for mask in (rng.random((7, 5)) > 0.5, np.ones((4, 6), bool), np.zeros((3, 3), bool)):
        rle = gen.rle_encode(mask)
        assert sum(rle['counts']) == mask.size
        coded = mask_utils.frPyObjects(rle, *mask.shape)
        assert np.array_equal(mask_utils.decode(coded).astype(bool), mask)


def test_paint_masks_are_visible_pixels_in_depth_order():
    a = dict(pixels=np.full((4, 4), 100, np.uint8), x=0, y=0)
    b = dict(pixels=np.full((4, 4), 200, np.uint8), x=2, y=2)
    canvas, (ma, mb) = gen.paint(8, [a, b])
    assert canvas[0, 0] == 100 and canvas[3, 3] == 200 and canvas[7, 7] == 0
    assert ma.sum() == 16 - 4 and mb.sum() == 16 and not (ma & mb).any()


def test_scenes_are_valid_coco_and_semantic_maps(tmp_path):
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO
    out = make(tmp_path)
    sources = {}
    for split, n in (('train', 12), ('val', 5)):
        coco = COCO(osp.join(out, 'annotations', f'instances_{split}.json'))
        assert len(coco.getImgIds()) == n
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(gen.CLASSES)
        sources[split] = {a['source_index'] for a in coco.dataset['annotations']}
        for img in coco.loadImgs(coco.getImgIds()):
            anns = sorted(coco.loadAnns(coco.getAnnIds(imgIds=img['id'])), key=lambda a: a['id'])
            assert 1 <= len(anns) <= 5
            scene = np.asarray(Image.open(osp.join(out, 'images', split, img['file_name'])))
            semantic = np.asarray(Image.open(osp.join(out, 'semantic', split, img['file_name'])))
            assert scene.shape == semantic.shape == (64, 64) and scene.dtype == np.uint8
            painted = np.zeros_like(semantic)
            union = np.zeros(semantic.shape, bool)
            for ann in anns:  # annotation order is depth order
                mask = coco.annToMask(ann).astype(bool)
                assert mask.sum() == ann['area'] >= gen.MIN_AREA
                assert not (mask & union).any()  # visible masks do not overlap
                union |= mask
                x, y, w, h = ann['bbox']
                inside = np.zeros_like(mask)
                inside[int(y):int(y + h), int(x):int(x + w)] = True
                assert not (mask & ~inside).any()  # every mask inside its box
                ys, xs = np.nonzero(mask)  # and the box is tight
                assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x, y, x + w, y + h)
                assert mask_utils.area(mask_utils.frPyObjects(
                    ann["segmentation"], 64, 64)) == ann['area']
                painted[mask] = ann['category_id']  # class c -> c + 1 in both files
            assert np.array_equal(painted, semantic)
            assert (scene[union] >= gen.MASK_THRESHOLD).all() and (scene[~union] == 0).all()
    assert sources['train'] and sources['val'] and not sources['train'] & sources['val']
    meta = json.load(open(osp.join(out, 'meta.json')))
    assert meta['train']['scenes'] == 12 and meta['val']['source_images'] == len(sources['val'])


def test_videos_read_as_davis_with_the_val_items(tmp_path):
    from mec_plugin.evaluation.video.davis import list_davis_sequences, read_annotation
    out = make(tmp_path)
    seqs = list_davis_sequences(osp.join(out, 'videos'))
    assert [s.name for s in seqs] == ['fmnist000', 'fmnist001']
    for seq in seqs:
        assert len(seq.frames) == len(seq.annotations) == 6
        first, last = (read_annotation(p) for p in (seq.annotations[0], seq.annotations[-1]))
        assert first.shape == (64, 64) and 2 <= first.max() <= 3
        assert not np.array_equal(first, last)  # the objects move


def test_same_seed_same_bytes_and_no_overwrite(tmp_path, capsys):
    a, b = make(tmp_path, 'a'), make(tmp_path, 'b')

    def digest(root):
        out = {}
        for d, _, files in os.walk(root):
            for f in files:
                p = osp.join(d, f)
                out[osp.relpath(p, root)] = hashlib.sha256(open(p, 'rb').read()).hexdigest()
        return out

    da = digest(a)
    assert len(da) > 40 and da == digest(b)
    c = make(tmp_path, 'c', '--seed', '4')
    assert digest(c) != da
    # a non-empty output folder is kept unless --force
    src = str(tmp_path / 'fmnist')
    assert gen.main([a, '--source', src, '--train-scenes', '2', '--val-scenes', '1',
                     '--videos', '0']) == 1
    assert 'not empty; pass --force' in capsys.readouterr().err
    assert digest(a) == da
    assert gen.main([a, '--source', src, '--train-scenes', '2', '--val-scenes', '1',
                     '--videos', '0', '--force']) == 0
    assert not osp.exists(osp.join(a, 'videos'))


def test_missing_source_is_named(tmp_path, capsys):
    assert gen.main([str(tmp_path / 'o'), '--source', str(tmp_path)]) == 1
    assert 't10k-images-idx3-ubyte' in capsys.readouterr().err
