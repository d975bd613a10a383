from . import hooks
from .hooks import *  # noqa: F401,F403
from .loops import ResumableEpochBasedTrainLoop
from .optim_wrappers import BFloat16OptimWrapper
from .optimizers import LARC
from .schedulers import WholeRunCosineAnnealingLR

__all__ = list(hooks.__all__) + ['ResumableEpochBasedTrainLoop', 'BFloat16OptimWrapper', 'LARC',
                               'WholeRunCosineAnnealingLR']
