"""Refuse to write over a user's file: the converters' output guard."""
import os
import os.path as osp
from typing import Iterable


class OutputExistsError(FileExistsError):
    """The output path names an existing file (or one of the inputs)."""


def _same_file(a: str, b: str) -> bool:
    if osp.exists(a) and osp.exists(b):
        return osp.samefile(a, b)  # also catches links and other spellings
    return osp.realpath(a) == osp.realpath(b)


def check_output_path(out: str, inputs: Iterable[str] = (), force: bool = False) -> None:
    """Raise :class:`OutputExistsError` unless writing ``out`` is safe.

    The output may never be one of ``inputs`` (a converter would replace the
    checkpoint it reads, ``--force`` or not); an existing file is replaced
    only with ``force``; a directory is always refused.
    """
    for path in inputs:
        if _same_file(out, path):
            raise OutputExistsError(f'the output {out} is the input {path}; write the result '
                                    'to another path')
    if osp.isdir(out):
        raise OutputExistsError(f'the output {out} is a directory; give a file name')
    if osp.lexists(out) and not force:
        size = os.path.getsize(out) if osp.exists(out) else 0
        raise OutputExistsError(f'the output {out} exists ({size / 2**20:.1f} MiB); pass '
                                '--force to replace it, or choose another path')
