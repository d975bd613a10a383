"""Image loading that names the file it failed on, or skips it and counts.

mmcv 2.0.1's ``LoadImageFromFile`` says little about a bad file: with the cv2
decoder a corrupt or truncated image ends in ``AssertionError: failed to load
image`` (gone under ``python -O``), an empty file in an OpenCV assertion that
does not name the file, and with the pillow decoder a non-image in
``cannot identify image file <_io.BytesIO object ...>``. In a data set of a
million files that is a needle without the haystack's address.

:class:`LoadImageFromFileChecked` raises :class:`ImageLoadError` naming the
path and the reason, or -- ``on_error='skip'``, opt-in -- returns ``None``;
MMEngine's ``BaseDataset`` then draws another sample (training mode), and the
skip is logged with its path and a running count (per process: each data
loader worker counts its own).
"""
from typing import Optional

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log

from ..registry import TRANSFORMS


def _is_empty_file(path) -> bool:
    import os
    try:
        return os.path.isfile(path) and os.path.getsize(path) == 0
    except (TypeError, OSError):  # not a local path (a URL, a backend's key)
        return False


class ImageLoadError(OSError):
    """An image file that could not be read or decoded."""


@TRANSFORMS.register_module()
class LoadImageFromFileChecked(LoadImageFromFile):
    """``LoadImageFromFile`` with errors that name the file.

    Args:
        on_error (str): ``'raise'`` (default): raise :class:`ImageLoadError`
            with the path; ``'skip'``: log the path, count it and return
            ``None`` so that the dataset picks another sample.
        **kwargs: the arguments of mmcv's ``LoadImageFromFile``
            (``ignore_empty`` is not accepted: use ``on_error``).
    """

    def __init__(self, on_error: str = 'raise', **kwargs) -> None:
        if on_error not in ('raise', 'skip'):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        if kwargs.pop('ignore_empty', False):
            raise ValueError("ignore_empty is replaced by on_error='skip' here")
        super().__init__(**kwargs)
        self.on_error = on_error
        self.skipped = 0

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            loaded = super().transform(results)
        except Exception as error:  # noqa: BLE001 -- any failure of one file
            reason = f'{type(error).__name__}: {error}'
            if _is_empty_file(path):  # cv2 says only "!buf.empty()"
                reason = 'the file is empty (0 bytes)'
            elif isinstance(error, AssertionError):  # mmcv's "img is None" check
                reason = f'{self.imdecode_backend} could not decode it (corrupt, truncated or ' \
                         'not an image)'
            if self.on_error == 'skip':
                self.skipped += 1
                print_log(f'skipped unreadable image {path} ({reason}); '
                          f'{self.skipped} skipped so far in this process',
                          logger='current', level=30)
                return None
            raise ImageLoadError(f'cannot load image {path!r}: {reason}') from error
        return loaded

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", on_error='{self.on_error}')"
