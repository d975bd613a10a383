from . import hooks
from .hooks import *  # noqa: F401,F403

__all__ = list(hooks.__all__)
