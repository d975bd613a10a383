from .features import backbone_state_dict, build_backbone, extract_features
from .knn import (best_k_accuracy, knn_accuracy_per_k, knn_neighbours, knn_predict,
                  shift_normalise, to_representation)
from .stats import alignment, class_alignment, effective_rank, uniformity

__all__ = [
    'backbone_state_dict', 'build_backbone', 'extract_features',
    'knn_predict', 'knn_neighbours', 'knn_accuracy_per_k', 'best_k_accuracy', 'shift_normalise',
    'to_representation', 'alignment', 'uniformity', 'class_alignment', 'effective_rank'
]
