from mec_plugin.host import HOST
from .features import (REPRESENTATION_HELP, REPRESENTATIONS, backbone_state_dict,
                       build_backbone, build_encoder, config_representation,
                       dataset_classes, eval_data_preprocessor, extract_config_features, extract_features,
                       find_backbone_weights, load_checkpoint_file, load_features,
                       neck_state_dict, save_features)
from .knn import (best_k_accuracy, knn_accuracy_per_k, knn_neighbours, knn_predict,
                  shift_normalise, to_representation)
from .linear import linear_classifier, linear_probe_on_features
from .retrieval import instdisc_retrieval, retrieval_accuracy, retrieval_ranks
from .static_set import (extract_static_features, list_static_set, make_static_augmented_set,
                         moco_v2_view_pipeline)
from .stats import alignment, class_alignment, effective_rank, uniformity
from .tsne import tsne_embed
from . import video  # noqa: F401  (label propagation: mec_plugin.evaluation.video.*)

__all__ = [
    'backbone_state_dict', 'build_backbone', 'build_encoder', 'neck_state_dict',
    'config_representation', 'REPRESENTATIONS', 'REPRESENTATION_HELP', 'extract_features',
    'find_backbone_weights',
    'load_checkpoint_file', 'eval_data_preprocessor', 'extract_config_features', 'save_features',
    'dataset_classes',
    'load_features', 'knn_predict', 'knn_neighbours', 'knn_accuracy_per_k', 'best_k_accuracy',
    'shift_normalise', 'to_representation', 'alignment', 'uniformity', 'class_alignment',
    'effective_rank', 'linear_classifier', 'linear_probe_on_features', 'instdisc_retrieval',
    'retrieval_accuracy', 'retrieval_ranks', 'make_static_augmented_set', 'list_static_set',
    'extract_static_features', 'moco_v2_view_pipeline', 'tsne_embed'
]
# The k-NN metric reads `gt_label` as mmpretrain's DataSample stores it (a tensor;
# mmcls 1.0's ClsDataSample holds LabelData): not registered on MMSelfSup 1.x.
if HOST == 'mmpretrain':
    from .knn_metric import KNNAccuracy

    __all__ += ['KNNAccuracy']
