"""Checkpoints that are never left half-written as the latest one.

MMEngine 0.10.7's ``CheckpointHook`` (a) writes ``epoch_N.pth`` in place with
``open(path, 'wb')``, (b) deletes the oldest kept checkpoint *before* writing
the new one, and (c) rewrites ``work_dir/last_checkpoint`` in place. A process
killed (SIGKILL, OOM killer, preemption, a full disk) inside (a) leaves a
truncated file under the final name; with ``max_keep_ckpts=1`` the only good
checkpoint is already gone; killed inside (c), ``last_checkpoint`` is empty and
``--resume`` silently starts from scratch.

:class:`AtomicCheckpointHook` keeps everything else of ``CheckpointHook`` and
orders the writes so that a crash at any point leaves the previous state:

1. the checkpoint is written to a temporary file in the same directory,
   flushed, ``fsync``-ed and renamed over the final name (``os.replace`` is
   atomic on POSIX and Windows within one file system);
2. only then is ``last_checkpoint`` replaced the same way;
3. only then is the checkpoint that fell out of ``max_keep_ckpts`` deleted.

Why a hook (and a named file backend) rather than patching mmengine: it is
used by the plugin's ``configs/_base_/default_runtime.py`` and any config can
opt in with ``default_hooks.checkpoint.type='AtomicCheckpointHook'``, while
importing the plugin leaves other projects' ``CheckpointHook`` and every other
file write of MMEngine exactly as they were.
"""
import os
import os.path as osp
import uuid
from typing import Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook

from ...registry import HOOKS

ATOMIC_BACKEND = 'atomic_local'


def _fsync_dir(directory: str) -> None:
    """Make a rename durable (the directory entry); a no-op where unsupported."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(data: bytes, path: Union[str, os.PathLike]) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole
    new one, never a prefix: temp file in the same directory, fsync, rename."""
    path = os.fspath(path)
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = osp.join(directory, f'.{osp.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp')
    try:
        with open(tmp, 'xb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp-like files would be 0600; keep the mode a plain open() gives
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(directory)


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose ``put`` / ``put_text`` are atomic.

    Registered under a name of its own (``backend_args=dict(backend='atomic_local')``),
    so mmengine's default local backend is untouched.
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, os.PathLike],
                 encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` with crash-safe writes (same arguments).

    Local ``out_dir`` (the default: the work dir) only; for other backends
    (``backend_args`` naming e.g. petrel) it behaves as ``CheckpointHook``.
    """

    def __init__(self, *args, backend_args=None, **kwargs):
        out_dir = kwargs.get('out_dir') or (args[4] if len(args) > 4 else None)
        self._atomic = (kwargs.get('file_client_args') is None
                        and '://' not in str(out_dir or '')
                        and (backend_args or {}).get('backend') in (None, 'local',
                                                                    ATOMIC_BACKEND))
        if self._atomic:
            backend_args = dict(backend_args or {}, backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not self._atomic:
            return super()._save_checkpoint_with_step(runner, step, meta)
        # the bookkeeping mmengine does first (it travels in the checkpoint's
        # message hub), but the outdated file is removed only at the end
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, ckpt_filename, self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_bytes(self.last_ckpt.encode(), osp.join(runner.work_dir, 'last_checkpoint'))
        if outdated is not None and outdated != step:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # DeepSpeed writes directories
                self.file_backend.rmtree(path)
