from .data_preprocessor import BatchAugmentPreprocessor
from .ema import ForeachCosineEMA
from .frozen import FreezableMixin
from .nce_memory import NCEMemoryBank
from .split_bn import SplitBatchNorm2d

__all__ = ['BatchAugmentPreprocessor', 'ForeachCosineEMA', 'FreezableMixin', 'NCEMemoryBank', 'SplitBatchNorm2d']
