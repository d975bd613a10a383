"""Label propagation (CRW / UniTrack protocol), DAVIS J / F, JHMDB PCK, the
layout readers and tools/analysis/label_propagation.py, on tiny generated videos."""
import json
import math
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

import mec_plugin  # noqa: F401
from mec_plugin.evaluation.video import (
    LabelPropagator, boundary_f_measure, boundary_tolerance, davis_palette, evaluate_davis,
    evaluate_jhmdb, joint_heatmaps, keypoints_from_heatmaps, list_davis_sequences,
    list_jhmdb_videos, make_synthetic_davis, normalised_distances, pck, read_annotation,
    read_joints, region_similarity, seg2bmap, sequence_statistics, stage_strides,
    stride8_backbone_cfg, synthetic_video)
from mec_plugin.evaluation.video.encoder import FrameEncoder, build_frame_encoder
from mmpretrain.utils import register_all_modules
from _eval_data import TINY_BACKBONE, write_tiny_config
from _scripts import load_tool

register_all_modules(init_default_scope=True)


# ---------------------------------------------------------------- J and F
def square(shape, top, left, side):
    m = np.zeros(shape, bool)
    m[top:top + side, left:left + side] = True
    return m


def test_identical_masks_score_one():
    m = square((40, 40), 10, 10, 10)
    assert region_similarity(m, m) == 1.0
    assert boundary_f_measure(m, m) == 1.0


def test_shifted_square_small_image():
    # 40 x 40: tolerance ceil(0.008 * 56.57) = 1 px. 10 x 10 square shifted right by 3:
    # J = 70 / 130. seg2bmap gives each square an 11 x 11 outline (40 px); of the
    # prediction's, the top and bottom rows match for 9 px each (x = 12..20 of 12..22)
    # and the left column twice (next to the corners): P = R = 20 / 40, F = 0.5.
    gt, pred = square((40, 40), 10, 10, 10), square((40, 40), 10, 13, 10)
    assert boundary_tolerance(gt.shape) == 1
    assert seg2bmap(gt).sum() == 40
    assert region_similarity(pred, gt) == pytest.approx(7 / 13)
    assert boundary_f_measure(pred, gt) == pytest.approx(0.5)


def test_boundary_tolerance_is_davis_eight_pixels_at_480p():
    # 480 x 854: ceil(0.008 * 979.65) = 8 px. A 100 x 100 square shifted by 8 px has every
    # boundary pixel within the disk: F = 1. Shifted by 9: each 101 x 101 outline (400 px)
    # keeps 100 + 100 px of its rows and 16 px (8 by each corner) of one column: F = 216 / 400.
    shape = (480, 854)
    gt = square(shape, 100, 100, 100)
    assert boundary_tolerance(shape) == 8
    assert boundary_f_measure(square(shape, 100, 108, 100), gt) == 1.0
    assert boundary_f_measure(square(shape, 100, 109, 100), gt) == pytest.approx(216 / 400)
    assert region_similarity(square(shape, 100, 109, 100), gt) == pytest.approx(91 / 109)
    # a tolerance given in pixels (>= 1) is used as is
    assert boundary_f_measure(square(shape, 100, 109, 100), gt, bound_th=9) == 1.0


def test_empty_masks_follow_the_toolkit():
    gt, empty = square((40, 40), 10, 10, 10), np.zeros((40, 40), bool)
    assert region_similarity(empty, gt) == 0.0
    assert boundary_f_measure(empty, gt) == 0.0  # P = 1, R = 0
    assert region_similarity(gt, empty) == 0.0
    assert boundary_f_measure(gt, empty) == 0.0  # P = 0, R = 1
    assert region_similarity(empty, empty) == 1.0
    assert boundary_f_measure(empty, empty) == 1.0
    with pytest.raises(ValueError, match='one shape'):
        region_similarity(empty, np.zeros((40, 41), bool))


def test_sequence_statistics_mean_recall_decay():
    # bins at round(linspace(1, 5, 5)) - 1 = 0..4: first [1, 1], last [0.2, 0]
    s = sequence_statistics([1.0, 1.0, 0.4, 0.2, 0.0])
    assert s == pytest.approx(dict(mean=0.52, recall=0.4, decay=0.9))


def test_davis_palette_is_the_voc_colour_map():
    p = davis_palette()
    assert p[:9].tolist() == [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128],
                              [128, 0, 128], [0, 128, 128], [128, 128, 128], [64, 0, 0]]


# ---------------------------------------------------------------- propagation
def test_one_step_is_a_softmax_over_the_top_k():
    # first frame: cell a = e1 labelled [1, 0], cell b = e2 labelled [0, 1]; the query
    # cell (0.8, 0.6) has affinities 0.8 and 0.6: weights softmax([0.8, 0.6] / 0.1).
    first = torch.tensor([[[1., 0.]], [[0., 1.]]])  # C=2 x h=1 x w=2
    labels = torch.tensor([[[1., 0.]], [[0., 1.]]])
    query = torch.tensor([[[0.8, 0.8]], [[0.6, 0.6]]]) * 5  # norm does not matter
    p = 1 / (1 + math.exp(-0.2 / 0.1))
    pred = LabelPropagator(first, labels, topk=2, temperature=0.1).step(query)
    assert torch.allclose(pred[:, 0, 0], torch.tensor([p, 1 - p]))
    pred1 = LabelPropagator(first, labels, topk=1, temperature=0.1).step(query)
    assert pred1[:, 0, 0].tolist() == [1.0, 0.0]


def test_radius_restricts_the_previous_frames_and_optionally_the_first():
    # identical features everywhere: every candidate ties, so a cell's label is the mean
    # of the labels of the candidates admitted. 1 x 5 map, label 1 on cell 0.
    feats = torch.ones(3, 1, 5)
    labels = torch.tensor([[[1., 0., 0., 0., 0.]]])
    restricted = LabelPropagator(feats, labels, topk=5, radius=1.5, restrict_first_frame=True)
    # cell 0 sees cells {0, 1}, cell 1 {0, 1, 2}, cell 2 {1, 2, 3}
    assert torch.allclose(restricted.step(feats)[0, 0], torch.tensor([1 / 2, 1 / 3, 0, 0, 0]))
    free = LabelPropagator(feats, labels, topk=5, radius=1.5)  # CRW: first frame unrestricted
    assert torch.allclose(free.step(feats)[0, 0], torch.full((5, ), 0.2))


def test_queue_holds_the_soft_predictions_of_the_n_previous_frames():
    feats = torch.ones(3, 1, 5)
    labels = torch.tensor([[[1., 0., 0., 0., 0.]]])
    prop = LabelPropagator(feats, labels, n_context=1, topk=10, radius=1.5,
                           restrict_first_frame=True)
    first = prop.step(feats)  # [1/2, 1/3, 0, 0, 0] as above
    # next: 10 candidates at most; cell 0 admits first-frame cells {0, 1} (labels 1, 0) and
    # previous-frame cells {0, 1} (labels 1/2, 1/3): mean (1 + 0 + 1/2 + 1/3) / 4
    second = prop.step(feats)
    assert second[0, 0, 0].item() == pytest.approx((1 + 0.5 + 1 / 3) / 4)
    assert len(prop.queue) == 1 and torch.equal(prop.queue[0][1].t().reshape(1, 1, 5), second)
    with pytest.raises(ValueError, match="first frame's"):
        prop.step(torch.ones(3, 1, 4))


# a hand-made feature: mean colour of each stride x stride cell, plus a smooth position code
def colour_position_encoder(stride=2, colour_weight=4.0, position_weight=1.0):
    def encode(frames):
        x = torch.from_numpy(np.asarray(frames)).permute(0, 3, 1, 2).float() / 255 - 0.5
        colour = F.avg_pool2d(x, stride, ceil_mode=True) * colour_weight
        t, _, h, w = colour.shape
        ys, xs = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing='ij')
        omega = math.pi / max(h, w)  # half a period across the frame: monotone in distance
        pos = torch.stack([torch.cos(omega * ys), torch.sin(omega * ys),
                           torch.cos(omega * xs), torch.sin(omega * xs)]) * position_weight
        return torch.cat([colour, pos.expand(t, -1, -1, -1)], dim=1)
    return encode


def synthetic_set(root, videos=3, frames=10, size=(64, 96)):
    return list_davis_sequences(make_synthetic_davis(str(root), videos, frames, size))


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    return synthetic_set(tmp_path_factory.mktemp('synthetic_davis'))


@pytest.mark.slow  # 4-10 s
def test_synthetic_objects_are_tracked_nearly_perfectly(synthetic):
    # Colour + position at stride 2 separates objects from background exactly; what is
    # lost is the boundary blur of label maps at 1/2 resolution (the oracle -- the true
    # masks pooled to the grid and upsampled back -- has J = 0.994 on this set).
    result = evaluate_davis(colour_position_encoder(), synthetic)
    s = result['summary']
    assert s['objects'] == 6
    assert s['J-Mean'] > 0.95 and s['F-Mean'] > 0.95 and s['J-Recall'] == 1.0
    assert min(o['mean'] for r in result['sequences'] for o in r['J']) > 0.95


@pytest.mark.slow  # 4-10 s
def test_a_radius_that_excludes_the_motion_degrades_tracking(synthetic):
    # The objects move 2-4 px a frame, 1-2 cells. With r = 0.5 a cell's only candidate
    # in a frame is the same cell; when the radius also restricts the first frame,
    # nothing admitted carries the label where the object now is.
    def j_mean(**propagation):
        return evaluate_davis(colour_position_encoder(), synthetic[:2],
                              propagation)['summary']['J-Mean']

    assert j_mean(radius=12, restrict_first_frame=True) > 0.95
    assert j_mean(radius=0.5, restrict_first_frame=True) < 0.6  # 0.47 measured
    # CRW leaves the first frame unrestricted: there the objects' colours are found
    # wherever they are, and these easy objects are tracked all the same
    assert j_mean(radius=0.5) > 0.95


def test_saved_masks_are_davis_palette_pngs(synthetic, tmp_path):
    result = evaluate_davis(colour_position_encoder(), synthetic[:1], save_dir=str(tmp_path))
    seq = synthetic[0]
    files = sorted(os.listdir(tmp_path / seq.name))
    assert files == [f'{t:05d}.png' for t in range(len(seq.frames))]
    with Image.open(tmp_path / seq.name / files[3]) as img:
        assert img.mode == 'P'
        assert np.array_equal(np.asarray(img.getpalette(), np.uint8).reshape(-1, 3)[:8],
                              davis_palette()[:8])
        mask = np.array(img)
    # the JSON's J of frame 3 is that of the written mask (the toolkit reads the same)
    gt = read_annotation(seq.annotations[3])
    assert result['sequences'][0]['J_per_frame'][0][2] == pytest.approx(
        region_similarity(mask == 1, gt == 1), abs=1e-6)
    with Image.open(tmp_path / seq.name / files[0]) as img:  # frame 0: the given annotation
        assert np.array_equal(np.array(img), read_annotation(seq.annotations[0]))


# ---------------------------------------------------------------- DAVIS layout
def test_davis_reader_reads_the_tree(tmp_path):
    seqs = synthetic_set(tmp_path, videos=2, frames=4, size=(16, 24))
    assert [s.name for s in seqs] == ['synthetic-00', 'synthetic-01']
    assert all(len(s.frames) == 4 and s.fully_annotated for s in seqs)
    _, masks = synthetic_video(4, (16, 24), seed=1)
    assert np.array_equal(read_annotation(seqs[1].annotations[2]), masks[2])


def test_davis_reader_names_what_is_wrong(tmp_path):
    root = str(tmp_path)
    make_synthetic_davis(root, 2, 4, (16, 24))
    ann = osp.join(root, 'Annotations', '480p', 'synthetic-00')
    with pytest.raises(FileNotFoundError, match='ImageSets'):
        list_davis_sequences(root, split='test-dev')
    os.remove(osp.join(ann, '00002.png'))
    with pytest.raises(ValueError, match=r'unequal frame counts, 4 frames .* 3 annotations'):
        list_davis_sequences(root)
    os.remove(osp.join(ann, '00000.png'))
    with pytest.raises(FileNotFoundError, match=r'missing first-frame annotation .*00000\.png'):
        list_davis_sequences(root)
    # palette mismatch: an annotation re-saved with other colours, or as RGB
    ann1 = osp.join(root, 'Annotations', '480p', 'synthetic-01')
    seq = list_davis_sequences(root, sequences=['synthetic-01'])[0]
    with Image.open(osp.join(ann1, '00002.png')) as img:
        ids = np.array(img)
    other = davis_palette()
    other[1] = (10, 20, 30)
    recoloured = Image.fromarray(ids)
    recoloured.putpalette(other.tobytes())
    recoloured.save(osp.join(ann1, '00002.png'))
    with pytest.raises(ValueError, match=r'00002\.png: palette mismatch, id 1 is \(10, 20, 30\) '
                       r'here but \(128, 0, 0\)'):
        evaluate_davis(colour_position_encoder(), [seq])
    Image.fromarray(davis_palette()[ids]).save(osp.join(ann1, '00002.png'))
    with pytest.raises(ValueError, match=r"00002\.png: not a palette PNG \(mode 'RGB'\)"):
        evaluate_davis(colour_position_encoder(), [seq])


# ---------------------------------------------------------------- JHMDB
def write_joints(path, pos_img):
    os.makedirs(osp.dirname(path), exist_ok=True)
    try:
        from scipy.io import savemat
        savemat(path, dict(pos_img=pos_img))
    except ImportError:  # the documented export
        np.save(path[:-4] + '.npy', pos_img)


def rigid_video(frames=6, size=(48, 64), step=2, seed=0):
    """A square of random texture sliding ``step`` px a frame to the right over a static
    random texture; texture in 2 x 2 blocks and even steps, so that at stride 2 each
    cell of the square reappears exactly one cell further. Joints (0-based x, y, at
    cell centres): four on the square, one on the background. Returns frames, T x 5 x 2."""
    rng = np.random.default_rng(seed)
    h, w = size
    background = np.kron(rng.integers(0, 256, (h // 2, w // 2, 3)), np.ones((2, 2, 1)))
    patch = np.kron(rng.integers(0, 256, (8, 8, 3)), np.ones((2, 2, 1)))
    top, left = 16, 8
    on_square = np.array([[4.5, 4.5], [10.5, 4.5], [4.5, 10.5], [10.5, 10.5]])
    video, joints = [], []
    for t in range(frames):
        img = background.copy()
        img[top:top + 16, left + step * t:left + step * t + 16] = patch
        video.append(img.astype(np.uint8))
        joints.append(np.concatenate([on_square + [left + step * t, top], [[50.5, 40.5]]]))
    return np.stack(video), np.stack(joints)


def make_jhmdb(root, videos=(('walk', 'a', 5), ('walk', 'b', 5), ('run', 'c', 4))):
    """Rigid videos as a JHMDB tree: ``Rename_Images/<action>/<video>/00001.png``,
    ``joint_positions/.../joint_positions.mat`` (pos_img, 1-based, 2 x J x T), splits."""
    for i, (action, name, frames) in enumerate(videos):
        rgb, joints = rigid_video(frames, seed=i)
        d = osp.join(root, 'Rename_Images', action, name)
        os.makedirs(d, exist_ok=True)
        for t in range(frames):
            Image.fromarray(rgb[t]).save(osp.join(d, f'{t + 1:05d}.png'))
        write_joints(osp.join(root, 'joint_positions', action, name, 'joint_positions.mat'),
                     joints.transpose(2, 1, 0) + 1)
    os.makedirs(osp.join(root, 'splits'), exist_ok=True)
    with open(osp.join(root, 'splits', 'walk_test_split1.txt'), 'w') as f:
        f.write('a.avi 2\nb.avi 1\n')
    with open(osp.join(root, 'splits', 'run_test_split1.txt'), 'w') as f:
        f.write('c.avi 2\n')
    return root


def test_jhmdb_reader_and_splits(tmp_path):
    root = make_jhmdb(str(tmp_path))
    assert [v.name for v in list_jhmdb_videos(root)] == ['run/c', 'walk/a']
    assert [v.name for v in list_jhmdb_videos(root, 'train')] == ['walk/b']
    assert len(list_jhmdb_videos(root, videos=['walk/b'])[0].frames) == 5
    video = list_jhmdb_videos(root)[1]
    joints = read_joints(video.joints_file, 5)  # 0-based again
    assert joints.shape == (5, 5, 2)
    assert joints[3].tolist() == rigid_video(5, seed=0)[1][3].tolist()


def test_jhmdb_reader_names_what_is_wrong(tmp_path):
    root = make_jhmdb(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='Rename_Images'):
        list_jhmdb_videos(str(tmp_path / 'nowhere'))
    os.remove(osp.join(root, 'Rename_Images', 'walk', 'a', '00005.png'))
    video = list_jhmdb_videos(root)[1]
    with pytest.raises(ValueError, match='unequal frame counts, joint positions for 5 frames '
                       'but 4 frames'):
        evaluate_jhmdb(patch_encoder(), [video])
    for f in os.listdir(osp.join(root, 'joint_positions', 'run', 'c')):
        os.remove(osp.join(root, 'joint_positions', 'run', 'c', f))
    with pytest.raises(FileNotFoundError, match=r"video 'run/c': missing joint positions"):
        list_jhmdb_videos(root)
    with pytest.raises(FileNotFoundError, match=r"'run/nope': no \.png frames"):
        list_jhmdb_videos(root, videos=['run/nope'])


def test_heatmaps_and_keypoints_round_trip():
    # a joint at a cell centre: peak 1 there; the arg-max at frame resolution finds it
    frame, feat = (64, 96), (16, 24)
    joints = np.array([[4 * 5 + 1.5, 4 * 3 + 1.5], [90.0, 2.0], [-5.0, 10.0]])
    maps = joint_heatmaps(joints, frame, feat, sigma=0.5)
    assert maps[0, 3, 5].item() == pytest.approx(1.0)
    assert maps[0, 3, 6].item() == pytest.approx(math.exp(-1 / 0.5))
    assert maps[2].sum().item() == 0  # outside the frame: no label
    kp = keypoints_from_heatmaps(maps, frame)
    assert kp[0] == pytest.approx([21.5, 13.5], abs=0.5)
    assert np.isnan(kp[2]).all()


def test_pck_uses_crw_box_scale():
    # joints' box 30 x 40: CRW's scale 0.6 * 50 = 30; the longer side is 40
    gt = np.array([[[0., 0.], [30., 40.]]])
    pred = gt + np.array([[[3., 4.], [6., 8.]]])  # distances 5 and 10
    d = normalised_distances(pred, gt)
    assert d.tolist() == [[5 / 30, 10 / 30]]
    assert normalised_distances(pred, gt, 'max_side').tolist() == [[5 / 40, 10 / 40]]
    assert pck(d, 0.2)['per_joint'] == [1.0, 0.0] and pck(d, 0.2)['mean'] == 0.5
    pred[0, 1] = np.nan  # no prediction: not scored, and out of the box
    assert np.isnan(normalised_distances(pred, gt)[0, 1])


# a hand-made local descriptor: the 3 x 3 neighbourhood of 2 x 2 mean colours
def patch_encoder():
    def encode(frames):
        x = torch.from_numpy(np.asarray(frames)).permute(0, 3, 1, 2).float() / 255 - 0.5
        cells = F.avg_pool2d(x, 2)
        t, c, h, w = cells.shape
        return F.unfold(cells, 3, padding=1).view(t, c * 9, h, w)
    return encode


def test_keypoints_are_tracked_where_features_match(tmp_path):
    root = make_jhmdb(str(tmp_path))
    videos = list_jhmdb_videos(root)
    result = evaluate_jhmdb(patch_encoder(), videos)
    # every cell of the square reappears exactly, so every joint is found every frame
    assert result['summary']['PCK@0.1']['per_joint'] == [1.0] * 5
    assert [v['PCK@0.1'] for v in result['videos']] == [1.0, 1.0]
    # with a radius (first frame included) that excludes the 1-cell motion, every map
    # stays where it was: the square's joints are 2.5 px off from frame 1 on (already
    # beyond 0.1 x 0.6 x the 41-px box diagonal), the background joint stays right
    stuck = evaluate_jhmdb(patch_encoder(), videos,
                           dict(radius=0.5, restrict_first_frame=True))['summary']['PCK@0.1']
    assert stuck['per_joint'] == [0.0, 0.0, 0.0, 0.0, 1.0]


# ---------------------------------------------------------------- the backbone at stride 8
def test_stage_strides_and_the_stride8_config():
    assert stage_strides(TINY_BACKBONE) == (1, 2, 4, 8)
    cfg, info = stride8_backbone_cfg(TINY_BACKBONE)  # CIFAR ResNet: res5, unchanged
    assert info == dict(stage=3, native_stride=8, stride=8, strides=None)
    assert cfg['out_indices'] == (3, )
    r18 = dict(type='ResNet', depth=18)
    cfg, info = stride8_backbone_cfg(r18)  # ImageNet ResNet: res4 with its stride set to 1
    assert info == dict(stage=2, native_stride=16, stride=8, strides=(1, 2, 1, 2))
    assert stage_strides(cfg)[:3] == (4, 8, 8)
    assert stride8_backbone_cfg(r18, stage=1)[1] == dict(stage=1, native_stride=8, stride=8,
                                                         strides=None)
    with pytest.raises(ValueError, match='out of range'):
        stride8_backbone_cfg(r18, stage=4)


class Inputs(nn.Module):
    def forward(self, x):
        return (x, )


def test_frame_encoder_feeds_the_config_preprocessing():
    from mmpretrain.registry import MODELS
    frames = np.random.default_rng(0).integers(0, 256, (2, 8, 12, 3), dtype=np.uint8)
    rgb = torch.from_numpy(frames).permute(0, 3, 1, 2).float()
    mean, std = torch.tensor([10., 20., 30.]), torch.tensor([2., 4., 8.])
    pre = MODELS.build(dict(type='ClsDataPreprocessor', mean=mean.tolist(), std=std.tolist(),
                            to_rgb=True))
    out = FrameEncoder(Inputs(), pre)(frames)
    assert torch.allclose(out, (rgb - mean.view(3, 1, 1)) / std.view(3, 1, 1))
    pre_bgr = MODELS.build(dict(type='ClsDataPreprocessor', mean=mean.tolist(),
                                std=std.tolist(), to_rgb=False))  # the network sees BGR
    out = FrameEncoder(Inputs(), pre_bgr)(frames)
    assert torch.allclose(out, (rgb.flip(1) - mean.view(3, 1, 1)) / std.view(3, 1, 1))
    grey = MODELS.build(dict(type='ClsDataPreprocessor', mean=[0.], std=[1.]))
    out = FrameEncoder(Inputs(), grey, size=(4, 6))(frames)
    assert out.shape == (2, 1, 4, 6)
    luma = (F.interpolate(rgb, size=(4, 6), mode='bilinear', antialias=True)
            * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    assert torch.allclose(out, luma, atol=1e-3)


# ---------------------------------------------------------------- the tool
@pytest.fixture(scope='module')
def tool_workspace(tmp_path_factory):
    from mec_plugin.evaluation import build_backbone
    root = tmp_path_factory.mktemp('label_propagation_tool')
    data = make_synthetic_davis(str(root / 'davis'), 2, 5, (32, 48))
    cfg = write_tiny_config(str(root / 'tiny_cfg.py'), str(root))
    torch.manual_seed(5)
    net = build_backbone(TINY_BACKBONE)
    ckpt = str(root / 'tv.pth')  # torchvision-style bare ResNet with its classifier
    torch.save({**net.state_dict(), 'fc.weight': torch.zeros(4, 64), 'fc.bias': torch.zeros(4)},
               ckpt)
    return dict(root=root, data=data, cfg=cfg, ckpt=ckpt, net=net)


@pytest.mark.slow  # the tool end to end
def test_tool_end_to_end_on_a_davis_tree(tool_workspace, capsys):
    tool = load_tool('tools/analysis/label_propagation.py')
    ws = tool_workspace
    masks, out = str(ws['root'] / 'masks'), str(ws['root'] / 'lp.json')
    result = tool.main([ws['cfg'], ws['ckpt'], '--task', 'davis', '--data-root', ws['data'],
                        '--save-masks', masks, '--out', out, '--device', 'cpu'])
    printed = capsys.readouterr().out
    assert '[1/2] synthetic-00: 5 frames, features 4x6' in printed
    assert '| **all (4 objects)** |' in printed
    assert result['encoder'] == dict(stage=3, native_stride=8, stride=8, strides=None)
    with open(out) as f:
        saved = json.load(f)
    assert saved['summary'] == pytest.approx(result['summary'])
    assert saved['checkpoint'] == ws['ckpt'] and saved['propagation']['topk'] == 10
    # the JSON's scores are those of the written masks against the annotations
    seqs = list_davis_sequences(ws['data'])
    j = []
    for seq in seqs:
        for k in (1, 2):
            j.append(np.mean([region_similarity(
                np.array(Image.open(osp.join(masks, seq.name, f'{t:05d}.png'))) == k,
                read_annotation(seq.annotations[t]) == k) for t in (1, 2, 3)]))
    assert result['summary']['J-Mean'] == pytest.approx(np.mean(j))
    # the checkpoint was loaded: the same numbers as the network it holds
    cfg = __import__('mmengine').config.Config.fromfile(ws['cfg'])
    encoder, _ = build_frame_encoder(cfg)
    encoder.backbone.load_state_dict(ws['net'].state_dict())
    direct = evaluate_davis(encoder, seqs)
    assert direct['summary'] == pytest.approx(result['summary'])
    # outputs are not overwritten without --force
    for args in (['--save-masks', masks], ['--out', out]):
        with pytest.raises(SystemExit, match='--force'):
            tool.main([ws['cfg'], '--task', 'davis', '--data-root', ws['data'], *args])


def test_tool_random_init_and_a_missing_checkpoint(tool_workspace):
    tool = load_tool('tools/analysis/label_propagation.py')
    ws = tool_workspace
    result = tool.main([ws['cfg'], '--task', 'davis', '--data-root', ws['data'], '--limit', '1',
                        '--radius', '3', '--n-context', '2'])
    assert result['checkpoint'] == 'random-init' and len(result['sequences']) == 1
    assert result['propagation']['radius'] == 3 and result['propagation']['n_context'] == 2
    with pytest.raises(SystemExit, match='checkpoint not found'):
        tool.main([ws['cfg'], str(ws['root'] / 'nope.pth'), '--task', 'davis',
                   '--data-root', ws['data']])


@pytest.mark.slow  # the tool end to end
def test_tool_on_a_jhmdb_tree(tool_workspace, tmp_path, capsys):
    tool = load_tool('tools/analysis/label_propagation.py')
    root = make_jhmdb(str(tmp_path))
    result = tool.main([tool_workspace['cfg'], '--task', 'jhmdb', '--data-root', root,
                        '--size', '0', '0', '--stage', '3', '--pck', '0.1', '0.5'])
    printed = capsys.readouterr().out
    assert '[2/2] walk/a: 5 frames, features 6x8' in printed
    assert [v['video'] for v in result['videos']] == ['run/c', 'walk/a']
    summary = result['summary']
    assert list(summary) == ['PCK@0.1', 'PCK@0.5'] and len(summary['PCK@0.5']['per_joint']) == 5
    assert result['frame_size'] == 'native' and result['encoder']['stage'] == 3
    with pytest.raises(SystemExit):  # argparse: a stage is 'auto' or an index
        tool.main([tool_workspace['cfg'], '--task', 'jhmdb', '--data-root', root,
                   '--stage', 'res4'])
    with pytest.raises(SystemExit, match='--save-masks writes DAVIS masks'):
        tool.main([tool_workspace['cfg'], '--task', 'jhmdb', '--data-root', root,
                   '--save-masks', str(tmp_path / 'm')])
