"""Label propagation on video: DAVIS-2017 semi-supervised VOS and JHMDB pose.

The representation is judged by how well the affinities of its frozen
stride-8 features carry first-frame labels through a video (CRW / UniTrack's
protocol): :mod:`.propagation` (the algorithm), :mod:`.encoder` (the frozen
backbone), :mod:`.metrics` (DAVIS's J and F), :mod:`.davis` / :mod:`.jhmdb`
(layouts, heat maps, PCK), :mod:`.tasks` (the benchmarks end to end),
:mod:`.synthetic` (videos with known masks). The command line is
``tools/analysis/label_propagation.py``.
"""
from .davis import (DavisSequence, davis_palette, list_davis_sequences, read_annotation,
                    read_frame, save_mask)
from .encoder import (FEATURE_STRIDE, FrameEncoder, build_frame_encoder, stage_strides,
                      stride8_backbone_cfg)
from .jhmdb import (JhmdbVideo, joint_heatmaps, keypoints_from_heatmaps,
                    list_jhmdb_videos, normalised_distances, pck, read_joints)
from .metrics import (DAVIS_BOUND_TH, boundary_f_measure, boundary_tolerance, region_similarity,
                      seg2bmap, sequence_statistics)
from .propagation import (CRW_DEFAULTS, LabelPropagator, labels_to_feature_grid, labels_to_frame,
                          neighbourhood, propagate_labels)
from .synthetic import make_synthetic_davis, synthetic_video
from .tasks import evaluate_davis, evaluate_jhmdb, summarise_davis

__all__ = [
    'region_similarity', 'boundary_f_measure', 'boundary_tolerance', 'seg2bmap',
    'sequence_statistics', 'DAVIS_BOUND_TH', 'LabelPropagator', 'propagate_labels',
    'neighbourhood', 'labels_to_feature_grid', 'labels_to_frame', 'CRW_DEFAULTS',
    'FrameEncoder', 'build_frame_encoder', 'stage_strides', 'stride8_backbone_cfg',
    'FEATURE_STRIDE', 'DavisSequence', 'list_davis_sequences', 'read_annotation', 'read_frame',
    'save_mask', 'davis_palette', 'JhmdbVideo', 'list_jhmdb_videos', 'read_joints',
    'joint_heatmaps', 'keypoints_from_heatmaps', 'normalised_distances', 'pck',
    'evaluate_davis', 'evaluate_jhmdb', 'summarise_davis', 'synthetic_video',
    'make_synthetic_davis'
]
