"""Keep a work dir's checkpoints safe across runs (``tools/train.py``).

A fresh run (no ``--resume``) in a work dir that already holds checkpoints
would write over ``epoch_1.pth`` ... and let ``max_keep_ckpts`` delete the
rest, silently. Refusing would break re-running a script that always trains
into the same folder, so the old files are moved aside into a subfolder,
with a message. ``last_checkpoint`` stores an absolute path; in a copied or
moved work dir that path names the original folder's file, so the file of
the same name in this work dir is preferred.
"""
import glob
import os
import os.path as osp
import time
from typing import List, Optional, Tuple

#: what MMEngine's CheckpointHook (and the plugin's atomic one) write
CHECKPOINT_PATTERNS = ('epoch_*.pth', 'iter_*.pth', 'best_*.pth', 'last_checkpoint')


def previous_checkpoints(work_dir: str) -> List[str]:
    """The checkpoint files of an earlier run directly in ``work_dir``, sorted."""
    found = set()
    for pattern in CHECKPOINT_PATTERNS:
        found.update(p for p in glob.glob(osp.join(glob.escape(work_dir), pattern))
                     if osp.isfile(p))
    return sorted(found)


def set_aside_checkpoints(work_dir: str, stamp: Optional[str] = None) -> Tuple[str, List[str]]:
    """Move the earlier run's checkpoints into ``work_dir/previous_run_<stamp>/``.

    Returns:
        (the folder they went to, or '' when there was nothing to move; the moved names)
    """
    files = previous_checkpoints(work_dir)
    if not files:
        return '', []
    stamp = stamp or time.strftime('%Y%m%d_%H%M%S')
    dest = osp.join(work_dir, f'previous_run_{stamp}')
    suffix = 1
    while osp.exists(dest):  # two runs started in the same second
        dest, suffix = osp.join(work_dir, f'previous_run_{stamp}_{suffix}'), suffix + 1
    os.makedirs(dest)
    for path in files:
        os.replace(path, osp.join(dest, osp.basename(path)))  # a rename: no copy of big files
    return dest, [osp.basename(p) for p in files]


def resolve_last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir/last_checkpoint`` names, found in ``work_dir`` first.

    None when there is no (or an empty) ``last_checkpoint``. A recorded path
    whose file name exists in ``work_dir`` resolves to that file (a copied
    work dir resumes from its own checkpoint, not the original's);
    otherwise the recorded path is returned as it is (relative paths taken
    from ``work_dir``).
    """
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        recorded = f.read().strip()
    if not recorded:
        return None
    local = osp.join(work_dir, osp.basename(recorded))
    if osp.isfile(local):
        return local
    return recorded if osp.isabs(recorded) else osp.join(work_dir, recorded)
