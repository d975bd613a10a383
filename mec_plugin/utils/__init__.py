from .checkpoint import (CheckpointFormatError, backbone_to_torchvision, check_resnet_backbone,
                         to_backbone)
from .gather import all_gather_no_grad, all_gather_with_grad
from .safe_checkpoint import UnsafeCheckpointError, UnsafeCheckpointWarning, load_from_local

__all__ = [
    'all_gather_with_grad', 'all_gather_no_grad', 'CheckpointFormatError', 'to_backbone',
    'backbone_to_torchvision', 'check_resnet_backbone', 'load_from_local', 'UnsafeCheckpointError',
    'UnsafeCheckpointWarning'
]
