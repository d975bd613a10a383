from . import hooks
from .hooks import *  # noqa: F401,F403
from .loops import ResumableEpochBasedTrainLoop

__all__ = list(hooks.__all__) + ['ResumableEpochBasedTrainLoop']
