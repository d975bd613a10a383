"""MMEngine's local checkpoint loader on torch's safe unpickler.

Importing the plugin registers :func:`load_from_local` as MMEngine's loader
for local paths (``CheckpointLoader`` prefix ``''``), so it serves every
checkpoint load of the process: ``--resume``, ``load_from``,
``init_cfg=dict(type='Pretrained')``, mmdet's and mmseg's too. It must
therefore never do more than torch's own default does for a file from an
unknown source.

Why a loader at all: torch >= 2.6 loads with ``weights_only=True``, and
MMEngine 0.10.7's Runner checkpoints pickle two things that unpickler refuses,
``HistoryBuffer`` (the logged scalars of the message hub) and the numpy
arrays and scalars inside it. :func:`allowed_globals` names exactly those,
measured on a Runner checkpoint of every algorithm and optim wrapper of the
plugin (docs/hosts.md, "Safe checkpoint loading"), plus ``builtins.bytes``
called with no argument: protocol 2 (``torch.save``'s) pickles an empty
``bytes`` as ``bytes()``, which is the raw data of an empty numpy array (an
empty ``HistoryBuffer``, an empty array in ``meta``). Everything else --
tensors, dicts, lists, ``OrderedDict`` -- torch allows by default.

A file that needs more is refused with :class:`UnsafeCheckpointError` naming
the file and the refused global. Full unpickling (it can run code from the
file) happens only when the user sets ``MEC_PLUGIN_ALLOW_UNSAFE_CHECKPOINTS=1``,
and then with an :class:`UnsafeCheckpointWarning` naming the file.
"""
import os
import os.path as osp
import pickle
import re
import threading
import warnings
from contextlib import contextmanager
from typing import Callable, List, Tuple, Union

UNSAFE_ENV = 'MEC_PLUGIN_ALLOW_UNSAFE_CHECKPOINTS'

#: The numpy dtypes of the arrays and scalars in Runner checkpoints
#: (``HistoryBuffer``: float64 values, int64 counts; float64 ``eta`` in the
#: message hub; official MEC: float64 learning rates in the optimizer state).
NUMPY_DTYPES = ('float64', 'int64')
#: ``HistoryBuffer.__getstate__`` pickles its statistics methods as
#: ``getattr(HistoryBuffer, name)``; these are mmengine 0.10.7's defaults.
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')

_TRUE, _FALSE = ('1', 'true', 'yes', 'on'), ('', '0', 'false', 'no', 'off')
# torch's weights-only unpickler reads the allow-list from one global set;
# loads in two threads must not remove each other's entries half-way.
_LOCK = threading.RLock()


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs globals outside the allow-list (full unpickling)."""


class UnsafeCheckpointWarning(UserWarning):
    """A checkpoint was loaded with full unpickling, as the user allowed."""


class CheckpointIsADirectoryError(IsADirectoryError, FileNotFoundError):
    """A directory given as a checkpoint. MMEngine raises FileNotFoundError
    there; catching either type keeps working."""


def history_buffer_statistic(owner, name: str):
    """``getattr`` as the allow-list has it: only ``HistoryBuffer``'s own
    statistics methods. A general ``getattr`` would reach any attribute of
    any allowed object (``getattr.__self__`` is the ``builtins`` module)."""
    from mmengine.logging import HistoryBuffer
    if owner is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(owner, "__qualname__", type(owner).__name__)}, {name!r}) is not '
        f'allowed: only HistoryBuffer.{{{", ".join(HISTORY_BUFFER_STATISTICS)}}}')


def empty_bytes(*args) -> bytes:
    """``bytes`` as the allow-list has it: ``bytes()`` only, how protocol 2
    pickles ``b''``. ``bytes(n)`` would let a pickle of a few bytes allocate
    n bytes of memory; a non-empty ``bytes`` comes as ``_codecs.encode``
    (torch's own allow-list), its data in the file."""
    if args:
        raise pickle.UnpicklingError(
            f'bytes() with {len(args)} argument{"s" if len(args) > 1 else ""} is not allowed: '
            "only bytes(), how pickle protocol 2 writes b''")
    return b''


def allowed_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The allow-list, as ``torch.serialization.add_safe_globals`` takes it.

    Functions are named by the module path the pickle records: numpy 2
    writes ``numpy._core.multiarray``, numpy 1 wrote ``numpy.core.multiarray``
    (checkpoints of older runs, the official MEC release); both point at the
    same function.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:
        from numpy._core import multiarray  # numpy >= 2 (1.26 has it as an alias)
    except ImportError:  # pragma: no cover -- numpy < 1.26
        from numpy.core import multiarray
    allowed = [HistoryBuffer, (history_buffer_statistic, 'builtins.getattr'),
               (empty_bytes, 'builtins.bytes'), (np.ndarray, 'numpy.ndarray'),
               (np.dtype, 'numpy.dtype')]
    for name in ('_reconstruct', 'scalar'):
        function = getattr(multiarray, name)
        allowed += [(function, f'numpy._core.multiarray.{name}'),
                    (function, f'numpy.core.multiarray.{name}')]
    # an unpickled dtype is an instance of its own class (numpy.dtypes.Float64DType
    # on numpy 2); the pickle does not name it, torch checks it when it sets the state
    allowed += [type(np.dtype(name)) for name in NUMPY_DTYPES]
    return allowed


@contextmanager
def allowed_for_loading():
    """The allow-list added to torch's safe globals for the block only.

    Entries that were there before (the user's ``add_safe_globals``, torch's
    own) stay; entries added meanwhile by anything else stay too."""
    from torch import serialization
    with _LOCK:
        before = set(serialization.get_safe_globals())
        added = [g for g in allowed_globals() if g not in before]
        serialization.add_safe_globals(added)
        try:
            yield
        finally:
            now = serialization.get_safe_globals()
            serialization.clear_safe_globals()
            serialization.add_safe_globals([g for g in now if g not in added])


def unsafe_loading_allowed() -> bool:
    """Whether the user opted in to full unpickling (``MEC_PLUGIN_ALLOW_UNSAFE_CHECKPOINTS``)."""
    value = os.environ.get(UNSAFE_ENV, '')
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError(f'{UNSAFE_ENV}={value!r}: set it to 1 to allow full unpickling of '
                     'checkpoints you trust, or to 0 / leave it unset to refuse it')


def _is_torch_save_file(filename: str) -> bool:
    """A zip archive (torch >= 1.6) or a pickle stream (the legacy format)."""
    with open(filename, 'rb') as f:
        head = f.read(4)
    return head == b'PK\x03\x04' or head[:1] == b'\x80'


def _names(names) -> str:
    names = sorted(set(names))
    return (f"it needs the global{'s' if len(names) > 1 else ''} {', '.join(names)}, "
            'outside the allow-list')


def _globals_in_first_pickle(filename: str) -> List[str]:
    """``module.name`` of each global the first pickle of a non-zip file names."""
    import pickletools
    found, strings = [], []
    with open(filename, 'rb') as f:
        try:
            for opcode, arg, _ in pickletools.genops(f):
                if opcode.name == 'GLOBAL':
                    found.append(arg.replace(' ', '.'))
                elif opcode.name == 'STACK_GLOBAL' and len(strings) >= 2:
                    found.append(f'{strings[-2]}.{strings[-1]}')
                elif isinstance(arg, str):
                    strings.append(arg)
        except Exception:  # noqa: BLE001 -- naming is best effort; the refusal stands
            pass
    return found


def _refused(filename: str, error: pickle.UnpicklingError) -> str:
    """What the safe unpickler refused, named as well as the file allows."""
    from torch import serialization
    try:
        with allowed_for_loading():
            names = serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # noqa: BLE001 -- not a zip checkpoint (torch < 1.6 format, a pickle)
        names = []
    if names:
        return _names(names)
    text = re.sub(r'\x1b\[[0-9;]*m', '', str(error))
    # torch's wording: a GLOBAL it refuses (builtins without their module), a
    # blocked module, a class built while loading (numpy.dtypes.ObjectDType)
    named = re.findall(r'GLOBAL (\S+) (?:was not an allowed|whose module)', text)
    named = [n if '.' in n else f'builtins.{n}' for n in named]
    named += re.findall(r"but got <class '([^']+)'>", text)
    if named:
        return _names(named)
    detail = [line.strip() for line in text.split('WeightsUnpickler error:')[-1].splitlines()
              if line.strip() and not line.startswith('Check the documentation')]
    reason = detail[0] if detail else text
    in_file = _globals_in_first_pickle(filename)
    return (f"torch's safe unpickler cannot read it ({reason})"
            + (f'; its pickle names {", ".join(sorted(set(in_file)))}' if in_file else ''))


def _corrupt(filename: str, error: Exception) -> RuntimeError:
    return RuntimeError(f'cannot load checkpoint {filename}: not a file torch.save wrote, or '
                        f'truncated / corrupt ({type(error).__name__}: {error})')


def load_from_local(filename: str, map_location=None):
    """Load a local checkpoint with ``weights_only=True`` and the allow-list.

    The same arguments, result and registered name as MMEngine 0.10.7's
    ``load_from_local`` (MMEngine logs "Loads checkpoint by local backend").

    Raises:
        FileNotFoundError: the file does not exist (MMEngine's message);
            :class:`CheckpointIsADirectoryError` (also a FileNotFoundError)
            when it is a directory.
        UnsafeCheckpointError: (a ``pickle.UnpicklingError``, torch's type)
            the file needs globals outside the allow-list, and full
            unpickling is not allowed.
        RuntimeError: not a file ``torch.save`` wrote, or truncated.
    """
    import torch
    filename = osp.expanduser(filename)
    if osp.isdir(filename):
        raise CheckpointIsADirectoryError(
            f'checkpoint {filename} is a directory, not a checkpoint file')
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if not _is_torch_save_file(filename):
        raise RuntimeError(f'cannot load checkpoint {filename}: not a file torch.save wrote '
                           '(neither a zip archive nor a pickle stream)')
    try:
        with allowed_for_loading():
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        refused = _refused(filename, error)
    except Exception as error:  # noqa: BLE001 -- zip / storage errors of a damaged file
        raise _corrupt(filename, error) from error
    if not unsafe_loading_allowed():
        raise UnsafeCheckpointError(
            f'cannot load checkpoint {filename} safely: {refused}. The plugin loads '
            'checkpoints with torch.load(weights_only=True) and the allow-list of Runner '
            'checkpoints (HistoryBuffer, numpy arrays and scalars); unpickling this file fully '
            f'can run code stored in it. If you trust the file, set {UNSAFE_ENV}=1 to load it '
            'with full unpickling.')
    warnings.warn(f'{filename}: loaded with full unpickling (weights_only=False) because '
                  f'{UNSAFE_ENV} is set ({refused}). This runs any code stored in the file: '
                  'do it only for files you trust.', UnsafeCheckpointWarning, stacklevel=2)
    try:
        return torch.load(filename, map_location=map_location, weights_only=False)
    except Exception as error:  # noqa: BLE001
        raise _corrupt(filename, error) from error


def register_local_checkpoint_loader() -> None:
    """Make :func:`load_from_local` MMEngine's loader for local paths."""
    from mmengine.runner import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)
