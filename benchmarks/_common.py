"""Helpers shared by the speed benchmarks: environment record, timing, JSON.

Every benchmark records where and how it ran (device name, torch version,
UTC date, the exact command line) next to its figures, so a number in
``docs/dev/benchmarks.md`` can always be traced to the run that produced it.
"""
import datetime
import json
import os
import platform
import shlex
import statistics
import sys
import time
from typing import Callable, Dict, Optional

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
if ROOT not in sys.path:  # `python benchmarks/x.py` from anywhere
    sys.path.insert(0, ROOT)


def resolve_device(name: str) -> torch.device:
    if name == 'auto':
        name = 'cuda' if torch.cuda.is_available() else 'cpu'
    device = torch.device(name)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise ValueError(f"--device {name}: CUDA is not available here; use --device cpu")
    return device


def configure_threads(device: torch.device, threads: Optional[int]) -> None:
    """CPU threads for torch. On a shared, oversubscribed CPU two spinning
    OpenMP threads were measured 15x slower than one (ResNet-18 step, 7 s vs
    0.4 s), so CPU runs default to one thread."""
    if threads is None:
        threads = 1 if device.type == 'cpu' else torch.get_num_threads()
    if threads < 1:
        raise ValueError(f'--threads must be >= 1, got {threads}')
    torch.set_num_threads(threads)


def env_info(device: torch.device) -> Dict:
    """Device, software versions, date and the command that produced a record."""
    if device.type == 'cuda':
        name = torch.cuda.get_device_name(device)
        cuda = torch.version.cuda
    else:
        name = f'CPU {platform.processor() or platform.machine()} ({os.cpu_count()} logical cores visible, ' \
               f'{torch.get_num_threads()} torch threads)'
        cuda = None
    return dict(
        device=name,
        device_type=device.type,
        torch=torch.__version__,
        cuda=cuda,
        python=platform.python_version(),
        date_utc=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        command=' '.join(shlex.quote(a) for a in [os.path.relpath(sys.executable, ROOT)
                                                  if sys.executable.startswith(ROOT) else 'python']
                         + sys.argv),
    )


def synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_fn(fn: Callable[[], object], device: torch.device, warmup: int, reps: int) -> Dict:
    """Median / min / max milliseconds of ``fn`` over ``reps`` calls after ``warmup``.

    On CUDA each call is bracketed by CUDA events (device time, no host sync
    inside the timed region); on the CPU by ``time.perf_counter``.
    """
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    if device.type == 'cuda':
        events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                  for _ in range(reps)]
        for start, end in events:
            start.record()
            fn()
            end.record()
        torch.cuda.synchronize(device)
        times = [s.elapsed_time(e) for s, e in events]
    else:
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return dict(median_ms=statistics.median(times), min_ms=min(times), max_ms=max(times),
                reps=reps, warmup=warmup)


def reset_peak_memory(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_gib(device: torch.device) -> Optional[float]:
    """Peak allocated device memory since the last reset (None on the CPU)."""
    if device.type != 'cuda':
        return None
    return torch.cuda.max_memory_allocated(device) / 2**30


def count_syncs(fn: Callable[[], object], device: torch.device) -> Optional[Dict]:
    """Run ``fn`` once under ``torch.cuda.set_sync_debug_mode('warn')``.

    Returns the number of synchronising CUDA calls torch reported and their
    distinct messages (None on the CPU, where there is nothing to count).
    """
    if device.type != 'cuda':
        return None
    import warnings
    synchronize(device)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        torch.cuda.set_sync_debug_mode('warn')
        try:
            fn()
        finally:
            torch.cuda.set_sync_debug_mode('default')
    syncs = [w for w in caught if 'synchroniz' in str(w.message)]
    where = sorted({f'{os.path.relpath(w.filename, ROOT)}:{w.lineno}' for w in syncs})
    return dict(count=len(syncs), where=where)


def write_json(path: Optional[str], record: Dict) -> None:
    text = json.dumps(record, indent=1, default=str)
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text + '\n')
        print(f'wrote {path}')
