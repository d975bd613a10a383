"""JHMDB pose propagation: layout, joint heat maps, keypoints and PCK.

A JHMDB root (jhmdb.is.tue.mpg.de) holds::

    Rename_Images/<action>/<video>/00001.png ...
    joint_positions/<action>/<video>/joint_positions.mat   pos_img: 2 × 15 × T
    splits/<action>_test_split<k>.txt                      '<video>.avi <1|2>'

``pos_img`` holds (x, y) image coordinates of the 15 puppet joints in MATLAB's
1-based convention; they are read 0-based (minus 1), as CRW's
``eval_pck.py`` does. Reading ``.mat`` needs scipy; without it, a
``joint_positions.npy`` (``np.save`` of the same 2 × 15 × T ``pos_img``
array) or ``joint_positions.json`` (``{"pos_img": [...]}``, the same nested
list) beside the ``.mat`` is read instead. In the split files id 1 is
training and 2 test (HMDB51's convention).

Protocol (CRW, Jabri et al. 2020, ``data/jhmdb.py`` and
``eval/eval_pck.py``; UniTrack uses the same code): each joint of the first
frame becomes a Gaussian heat map of σ = 0.5 feature cells at the feature
resolution; the maps are propagated like masks (:mod:`.propagation`); a
joint's prediction is the arg-max of its map upsampled to the frame. A joint
counts as correct at PCK@α when its distance to the ground truth is at most
``α · 0.6 · sqrt(w² + h²)``, with w × h the tight box of that frame's
ground-truth joints (CRW's normalisation; ``norm='max_side'`` uses
``max(w, h)`` instead). Frame 0 (given) is not scored; PCK is computed per
joint over all scored frames and averaged over the 15 joints. CRW reads the
top-3 cells of each map at feature resolution, weighted by their values;
here the arg-max is taken at frame resolution.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from .propagation import labels_to_frame

#: JHMDB's puppet joints, in ``pos_img`` order
JHMDB_JOINTS = ('neck', 'belly', 'face', 'right shoulder', 'left shoulder', 'right hip',
                'left hip', 'right elbow', 'left elbow', 'right knee', 'left knee',
                'right wrist', 'left wrist', 'right ankle', 'left ankle')
#: CRW's box scale: 0.6 × the diagonal of the joints' box
CRW_BOX_SCALE = 0.6
JOINT_FILES = ('joint_positions.mat', 'joint_positions.npy', 'joint_positions.json')


@dataclass
class JhmdbVideo:
    name: str  # '<action>/<video>'
    frames: List[str]
    joints_file: str


def _split_videos(root: str, split: str, split_id: int) -> Optional[List[str]]:
    split_dir = osp.join(root, 'splits')
    if not osp.isdir(split_dir):
        return None
    wanted = {'train': '1', 'test': '2'}[split]
    suffix = f'_test_split{split_id}.txt'
    names = []
    for fname in sorted(os.listdir(split_dir)):
        if not fname.endswith(suffix):
            continue
        action = fname[:-len(suffix)]
        with open(osp.join(split_dir, fname)) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1] == wanted:
                    names.append(f'{action}/{osp.splitext(parts[0])[0]}')
    if not names:
        raise ValueError(f'{split_dir}: no {split} video in any *{suffix}')
    return names


def list_jhmdb_videos(root: str, split: str = 'test', split_id: int = 1,
                      videos: Optional[Sequence[str]] = None) -> List[JhmdbVideo]:
    """The videos of a split, checked: ``videos`` ('<action>/<video>' names)
    if given, else those of ``splits/*_test_split<split_id>.txt``, else (no
    ``splits/`` folder) every video under ``Rename_Images``.

    Raises FileNotFoundError / ValueError naming the file when a video has no
    frames or no joint positions.
    """
    if split not in ('train', 'test'):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    image_root = osp.join(root, 'Rename_Images')
    if not osp.isdir(image_root):
        raise FileNotFoundError(f'JHMDB frames not found: {image_root} (is {root} a JHMDB root?)')
    if videos is None:
        videos = _split_videos(root, split, split_id)
    if videos is None:
        videos = [f'{a}/{v}' for a in sorted(os.listdir(image_root))
                  if osp.isdir(osp.join(image_root, a))
                  for v in sorted(os.listdir(osp.join(image_root, a)))
                  if osp.isdir(osp.join(image_root, a, v))]
    out = []
    for name in videos:
        frame_dir = osp.join(image_root, name)
        frames = sorted(osp.join(frame_dir, f) for f in os.listdir(frame_dir)
                        if f.lower().endswith('.png')) if osp.isdir(frame_dir) else []
        if not frames:
            raise FileNotFoundError(f'video {name!r}: no .png frames in {frame_dir}')
        joint_dir = osp.join(root, 'joint_positions', name)
        found = [osp.join(joint_dir, f) for f in JOINT_FILES if osp.isfile(osp.join(joint_dir, f))]
        if not found:
            raise FileNotFoundError(f'video {name!r}: missing joint positions '
                                    f'{osp.join(joint_dir, JOINT_FILES[0])} (or .npy / .json)')
        out.append(JhmdbVideo(name, frames, found[0]))
    return out


def read_joints(path: str, num_frames: Optional[int] = None) -> np.ndarray:
    """T × J × 2 float64 (x, y) pixel coordinates, 0-based, from ``pos_img``.

    ``.mat`` needs scipy; when scipy is missing, a ``.npy`` / ``.json`` export
    beside the ``.mat`` is used. With ``num_frames``, a different T raises.
    """
    if path.endswith('.mat'):
        try:
            from scipy.io import loadmat
        except ImportError:
            for alt in ('.npy', '.json'):
                if osp.isfile(path[:-4] + alt):
                    return read_joints(path[:-4] + alt, num_frames)
            raise ImportError(f'{path}: reading .mat needs scipy (pip install scipy), or export '
                              "pos_img beside it as joint_positions.npy / .json")
        pos = loadmat(path)['pos_img']
    elif path.endswith('.npy'):
        pos = np.load(path)
    else:
        with open(path) as f:
            pos = json.load(f)['pos_img']
    pos = np.asarray(pos, np.float64)
    if pos.ndim != 3 or pos.shape[0] != 2:
        raise ValueError(f'{path}: pos_img must be 2 x joints x frames, got {pos.shape}')
    joints = pos.transpose(2, 1, 0) - 1.0  # MATLAB's 1-based pixels -> 0-based
    if num_frames is not None and joints.shape[0] != num_frames:
        raise ValueError(f'{path}: unequal frame counts, joint positions for {joints.shape[0]} '
                         f'frames but {num_frames} frames in the video')
    return joints


def to_feature_coords(joints: np.ndarray, frame_size: Tuple[int, int],
                      feat_size: Tuple[int, int]) -> np.ndarray:
    """Pixel (x, y) -> feature-cell (x, y), cell centres at integers (half-pixel convention,
    the inverse of :func:`~.propagation.labels_to_frame`'s bilinear upsampling)."""
    scale = np.array([feat_size[1] / frame_size[1], feat_size[0] / frame_size[0]])
    return (joints + 0.5) * scale - 0.5


def joint_heatmaps(joints: np.ndarray, frame_size: Tuple[int, int],
                   feat_size: Tuple[int, int], sigma: float = 0.5) -> Tensor:
    """J × h × w Gaussian maps ``exp(-|c - p_j|² / 2σ²)`` (peak 1, σ in feature cells)
    of the J joints at pixel positions ``joints`` (J × 2, x y); a joint outside
    the frame gets an empty map (CRW draws nothing for it)."""
    h, w = feat_size
    p = to_feature_coords(np.asarray(joints, np.float64), frame_size, feat_size)
    ys, xs = np.mgrid[0:h, 0:w]
    d2 = (xs[None] - p[:, 0, None, None])**2 + (ys[None] - p[:, 1, None, None])**2
    maps = np.exp(-d2 / (2 * sigma * sigma))
    x, y = np.asarray(joints)[:, 0], np.asarray(joints)[:, 1]
    outside = (x < -0.5) | (y < -0.5) | (x > frame_size[1] - 0.5) | (y > frame_size[0] - 0.5)
    maps[outside] = 0
    return torch.from_numpy(maps).float()


def keypoints_from_heatmaps(maps: Tensor, frame_size: Tuple[int, int]) -> np.ndarray:
    """J × 2 (x, y): the arg-max pixel of each map upsampled to the frame; NaN for a
    map without mass (no prediction, as CRW's ``-1``)."""
    up = labels_to_frame(maps, frame_size)
    flat = up.flatten(1)
    idx = flat.argmax(1).cpu().numpy()
    w = frame_size[1]
    out = np.stack([idx % w, idx // w], axis=1).astype(np.float64)
    out[(maps.flatten(1).sum(1) <= 0).cpu().numpy()] = np.nan
    return out


def normalised_distances(pred: np.ndarray, gt: np.ndarray, norm: str = 'crw') -> np.ndarray:
    """N × J distances ``|pred - gt| / s`` per frame, with ``s`` the frame's box scale.

    ``s`` = 0.6 · diagonal ('crw') or the longer side ('max_side') of the
    tight box of the ground-truth joints that have a prediction; NaN where a
    joint has no prediction.
    """
    if norm not in ('crw', 'max_side'):
        raise ValueError(f"norm must be 'crw' or 'max_side', got {norm!r}")
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    valid = ~np.isnan(pred).any(-1)
    out = np.full(pred.shape[:2], np.nan)
    for n in range(pred.shape[0]):
        if not valid[n].any():
            continue
        g = gt[n, valid[n]]
        w, h = g[:, 0].max() - g[:, 0].min(), g[:, 1].max() - g[:, 1].min()
        scale = CRW_BOX_SCALE * np.hypot(w, h) if norm == 'crw' else max(w, h)
        d = np.linalg.norm(pred[n] - gt[n], axis=-1)
        out[n, valid[n]] = d[valid[n]] / max(scale, 1e-12)
    return out


def pck(distances: np.ndarray, alpha: float) -> Dict[str, object]:
    """PCK@α from N × J normalised distances (NaN = not scored): the fraction of
    scored instances with distance ≤ α, per joint, and their mean over joints."""
    distances = np.asarray(distances, np.float64)
    per_joint = []
    for j in range(distances.shape[1]):
        d = distances[:, j]
        d = d[~np.isnan(d)]
        per_joint.append(float((d <= alpha).mean()) if d.size else float('nan'))
    scored = [p for p in per_joint if not np.isnan(p)]
    return dict(mean=float(np.mean(scored)) if scored else float('nan'), per_joint=per_joint)
