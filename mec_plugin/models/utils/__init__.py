from .ema import ForeachCosineEMA
from .nce_memory import NCEMemoryBank
from .split_bn import SplitBatchNorm2d

__all__ = ['ForeachCosineEMA', 'NCEMemoryBank', 'SplitBatchNorm2d']
