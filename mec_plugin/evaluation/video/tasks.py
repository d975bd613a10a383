"""The two label-propagation benchmarks end to end: DAVIS-2017 masks and JHMDB pose.

Both take an ``encoder``: a callable from T × H × W × 3 uint8 RGB frames to
T × C × h × w features (:class:`~.encoder.FrameEncoder`, or any hand-made
feature). Frames are read and encoded in batches and propagated as they come,
so memory holds one batch plus the context queue, whatever the video length.
"""
import os
import os.path as osp
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .davis import (DavisSequence, first_annotation_palette, read_annotation, read_frame,
                    save_mask)
from .jhmdb import (JhmdbVideo, joint_heatmaps, keypoints_from_heatmaps, normalised_distances,
                    pck, read_joints)
from .metrics import (DAVIS_BOUND_TH, boundary_f_measure, region_similarity,
                      sequence_statistics)
from .propagation import CRW_DEFAULTS, labels_to_feature_grid, labels_to_frame, propagate_labels

Encoder = Callable[[np.ndarray], Tensor]
Progress = Optional[Callable[[int, int, Dict], None]]


def _encoded_frames(encoder: Encoder, paths: Sequence[str], batch: int) -> Iterator[Tensor]:
    for start in range(0, len(paths), batch):
        frames = np.stack([read_frame(p) for p in paths[start:start + batch]])
        yield from encoder(frames)


def _first_and_rest(encoded: Iterator[Tensor]):
    first = next(encoded)

    def chain():
        yield first
        yield from encoded
    return first, chain()


def evaluate_davis(encoder: Encoder, sequences: List[DavisSequence],
                   propagation: Optional[Dict] = None, bound_th: float = DAVIS_BOUND_TH,
                   save_dir: Optional[str] = None, batch_frames: int = 8,
                   progress: Progress = None) -> Dict:
    """Semi-supervised VOS by label propagation, scored as the DAVIS toolkit scores it.

    For each sequence the first annotation (ids 0..K) becomes K + 1 one-hot
    maps, averaged onto the feature grid, propagated, upsampled to the frame
    (bilinear) and arg-maxed into a mask of object ids. Fully annotated
    sequences are scored per object on every frame but the first and the
    last (the toolkit's semi-supervised rule): J, F and their mean / recall /
    decay; ``summary`` averages them over all objects of all sequences and
    gives ``J&F-Mean = (J-Mean + F-Mean) / 2``.

    Args:
        propagation (dict): :class:`~.propagation.LabelPropagator` options
            (default: CRW's).
        save_dir (str, optional): write ``<save_dir>/<sequence>/<frame>.png``
            palette masks (frame 0: the given annotation).
    """
    propagation = dict(CRW_DEFAULTS, **(propagation or {}))
    records = []
    for index, seq in enumerate(sequences):
        t0 = time.time()
        palette = first_annotation_palette(seq)
        first_ids = read_annotation(seq.annotations[0], palette)
        height, width = first_ids.shape
        frame_size = read_frame(seq.frames[0]).shape[:2]
        if frame_size != (height, width):
            raise ValueError(f'{seq.annotations[0]}: annotation is {width}x{height} but the '
                             f'frame {seq.frames[0]} is {frame_size[1]}x{frame_size[0]}')
        num_objects = int(first_ids.max())
        onehot = F.one_hot(torch.from_numpy(first_ids.astype(np.int64)),
                           num_objects + 1).permute(2, 0, 1)
        first_feat, feats = _first_and_rest(_encoded_frames(encoder, seq.frames, batch_frames))
        first_labels = labels_to_feature_grid(onehot, first_feat.shape[-2:]).to(first_feat.device)
        scored = seq.fully_annotated and len(seq.frames) > 2
        j_scores = [[] for _ in range(num_objects)]
        f_scores = [[] for _ in range(num_objects)]
        out_dir = osp.join(save_dir, seq.name) if save_dir else None
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
        for t, soft in enumerate(propagate_labels(feats, first_labels, **propagation)):
            if t == 0:
                mask = first_ids
            else:
                mask = labels_to_frame(soft, (height, width)).argmax(0).cpu().numpy().astype(
                    np.uint8)
            if out_dir:
                save_mask(osp.join(out_dir, osp.splitext(osp.basename(seq.frames[t]))[0] + '.png'),
                          mask)
            if scored and 0 < t < len(seq.frames) - 1:
                gt = read_annotation(seq.annotations[t], palette)
                if gt.shape != mask.shape:
                    raise ValueError(f'{seq.annotations[t]}: annotation is {gt.shape[1]}x'
                                     f'{gt.shape[0]} but the frame is {width}x{height}')
                for k in range(num_objects):
                    j_scores[k].append(region_similarity(mask == k + 1, gt == k + 1))
                    f_scores[k].append(boundary_f_measure(mask == k + 1, gt == k + 1, bound_th))
        record = dict(sequence=seq.name, frames=len(seq.frames), objects=num_objects,
                      feature_size=list(first_feat.shape[-2:]), scored=scored,
                      seconds=round(time.time() - t0, 2))
        if scored:
            record['J'] = [sequence_statistics(s) for s in j_scores]
            record['F'] = [sequence_statistics(s) for s in f_scores]
            record['J_per_frame'] = [[round(v, 6) for v in s] for s in j_scores]
            record['F_per_frame'] = [[round(v, 6) for v in s] for s in f_scores]
        records.append(record)
        if progress is not None:
            progress(index, len(sequences), record)
    return dict(task='davis', propagation=propagation, bound_th=bound_th,
                sequences=records, summary=summarise_davis(records))


def summarise_davis(records: List[Dict]) -> Optional[Dict[str, float]]:
    """The toolkit's global table: every statistic averaged over all scored objects."""
    objects = [(j, f) for r in records if r.get('scored')
               for j, f in zip(r['J'], r['F'])]
    if not objects:
        return None
    out = {}
    for name, i in (('J', 0), ('F', 1)):
        for stat, key in (('Mean', 'mean'), ('Recall', 'recall'), ('Decay', 'decay')):
            out[f'{name}-{stat}'] = float(np.mean([o[i][key] for o in objects]))
    out['J&F-Mean'] = (out['J-Mean'] + out['F-Mean']) / 2
    out['objects'] = len(objects)
    return out


def evaluate_jhmdb(encoder: Encoder, videos: List[JhmdbVideo],
                   propagation: Optional[Dict] = None, sigma: float = 0.5,
                   alphas: Sequence[float] = (0.1, 0.2), norm: str = 'crw',
                   batch_frames: int = 8, progress: Progress = None) -> Dict:
    """Pose keypoint propagation on JHMDB, scored by PCK (see :mod:`.jhmdb`)."""
    propagation = dict(CRW_DEFAULTS, **(propagation or {}))
    records, all_dists = [], []
    for index, video in enumerate(videos):
        t0 = time.time()
        joints = read_joints(video.joints_file, len(video.frames))
        frame_size = read_frame(video.frames[0]).shape[:2]
        first_feat, feats = _first_and_rest(_encoded_frames(encoder, video.frames, batch_frames))
        first_labels = joint_heatmaps(joints[0], frame_size, tuple(first_feat.shape[-2:]),
                                      sigma).to(first_feat.device)
        preds = []
        for t, soft in enumerate(propagate_labels(feats, first_labels, **propagation)):
            if t > 0:
                preds.append(keypoints_from_heatmaps(soft, frame_size))
        dists = normalised_distances(np.stack(preds), joints[1:], norm) if preds else \
            np.zeros((0, joints.shape[1]))
        all_dists.append(dists)
        record = dict(video=video.name, frames=len(video.frames),
                      feature_size=list(first_feat.shape[-2:]),
                      seconds=round(time.time() - t0, 2))
        for a in alphas:
            record[f'PCK@{a}'] = pck(dists, a)['mean'] if len(dists) else float('nan')
        records.append(record)
        if progress is not None:
            progress(index, len(videos), record)
    dists = np.concatenate(all_dists) if all_dists else np.zeros((0, 15))
    summary = {f'PCK@{a}': pck(dists, a) for a in alphas}
    return dict(task='jhmdb', propagation=propagation, sigma=sigma, norm=norm,
                videos=records, summary=summary)
