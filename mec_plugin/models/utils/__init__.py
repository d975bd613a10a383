from .ema import ForeachCosineEMA
from .nce_memory import NCEMemoryBank

__all__ = ['ForeachCosineEMA', 'NCEMemoryBank']
