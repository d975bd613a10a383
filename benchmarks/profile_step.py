"""Where a Runner iteration of a config's training goes, on the machine at hand.

    python benchmarks/profile_step.py --data-root data/fashion-mnist \
        --iters 20 --skip 4 --out work_dirs/bench/profile_step.json

Trains the config (default: the quick start's ``configs/mec/mec_resnet18-w16_
1xb256-10e_fashion-mnist.py``) through ``Runner.train()`` and times, per
iteration, each part of the step by wall clock (the CPU runs synchronously, so
a region's time is the time it takes): the data loader, the view generation
(the data preprocessor), the student's backbone and projector forwards, the
teacher's EMA update and forwards, the head (predictor and loss), the
backward pass, the optimizer step, the hooks and the rest of the Runner.
Times are exclusive: a region nested in another counts only in the inner one.

After each timed Runner iteration one plain iteration of the same model,
optimizer and data runs, timed on its own (``preprocessor -> model.loss ->
backward -> step``: what the Runner iteration does without hooks, logging and
message hub). The pairs see the same state of a shared machine;
``runner_over_plain`` is the ratio of the two kinds' median times.

``--precision`` sets ``BFloat16OptimWrapper``'s ``cpu_precision`` (``auto``:
bf16 only where the CPU has AVX512-BF16 or AMX). ``--torch-profile N`` adds
the N most expensive operators (self CPU time) from ``torch.profiler`` over
``--profile-iters`` further iterations (the profiler's own cost stays out of
the timed ones).
"""
import argparse
import copy
import os.path as osp
import sys
import statistics
import tempfile
import time
from collections import defaultdict

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _common import ROOT, env_info, write_json  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py')


class RegionClock:
    """Exclusive wall-clock time per named region, accumulated per iteration.

    ``wrap(obj, attr, name)`` replaces a bound method by a timed one; nested
    regions are subtracted from their parent so the regions add up to the
    iteration's wall time.
    """

    def __init__(self):
        self.totals = defaultdict(float)
        self._stack = []  # [name, start, child time]
        self.enabled = False

    def wrap(self, obj, attr: str, name: str) -> None:
        inner = getattr(obj, attr)

        def timed(*args, **kwargs):
            if not self.enabled:
                return inner(*args, **kwargs)
            self._stack.append([name, time.perf_counter(), 0.])
            try:
                return inner(*args, **kwargs)
            finally:
                region, start, children = self._stack.pop()
                spent = time.perf_counter() - start
                self.totals[region] += spent - children
                if self._stack:
                    self._stack[-1][2] += spent

        setattr(obj, attr, timed)


def instrument(runner, clock: RegionClock) -> None:
    """Time the parts of an MEC-like self-supervised step by name."""
    model = runner.model
    clock.wrap(model.data_preprocessor, 'forward', 'views (data preprocessor)')
    clock.wrap(model.backbone, 'forward', 'student backbone forward')
    clock.wrap(model.neck, 'forward', 'student projector forward')
    teacher = getattr(model, 'teacher', None)
    if teacher is not None:
        clock.wrap(teacher, 'update_parameters', 'teacher EMA update')
        clock.wrap(teacher.module, 'forward', 'teacher forward')
    clock.wrap(model.head, 'loss', 'head: predictor + loss')
    wrapper = runner.optim_wrapper
    clock.wrap(wrapper, 'backward', 'backward')
    clock.wrap(wrapper, 'step', 'optimizer step')
    clock.wrap(wrapper, 'zero_grad', 'optimizer zero_grad')
    clock.wrap(runner, 'call_hook', 'hooks')
    clock.wrap(model, 'parse_losses', 'loss bookkeeping (parse_losses)')


def _prepare(cfg, work_dir):
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    # a checkpoint's save (once an epoch) is not part of an iteration
    cfg.default_hooks.checkpoint = None
    cfg.log_level = 'WARNING'
    cfg.experiment_name = f'profile_step_{osp.basename(work_dir)}'
    return cfg


class _Done(Exception):
    """Ends Runner.train() once the clock has its iterations."""


class PlainStep:
    """One iteration of the same model, optimizer and data without the Runner:
    ``preprocessor -> model.loss -> backward -> step`` and the loss read back
    once (as the Runner's logger does), from its own pass over the loader."""

    def __init__(self, runner):
        self.model, self.wrapper = runner.model, runner.optim_wrapper
        self.loader = runner.train_dataloader
        self._batches = iter(())

    def _next_batch(self):
        try:
            return next(self._batches)
        except StopIteration:
            self._batches = iter(self.loader)
            return next(self._batches)

    def __call__(self) -> float:
        start = time.perf_counter()
        data = self._next_batch()
        with self.wrapper.optim_context(self.model):
            data = self.model.data_preprocessor(data, True)
            losses = self.model(**data, mode='loss')
        loss, _ = self.model.parse_losses(losses)  # the sum train_step takes
        self.wrapper.update_params(loss)
        float(loss.detach())  # the Runner's logger reads the loss back once too
        return time.perf_counter() - start


def profile_runner(cfg, iters, skip, work_dir, plain=True, torch_profile=0, profile_iters=3):
    """Time ``iters`` Runner iterations after ``skip``, each followed (with
    ``plain``) by one plain iteration timed on its own; then, with
    ``torch_profile``, run ``profile_iters`` more under ``torch.profiler`` (its
    overhead stays out of the timed ones)."""
    import torch
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    runner = Runner.from_cfg(_prepare(cfg, work_dir))
    clock = RegionClock()
    runner_times, plain_times = [], []
    state = dict(done=0, start=None, plain=None)
    profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
    last = skip + iters + (profile_iters if torch_profile else 0)

    class Boundaries(Hook):
        """Times the gap between iterations (the data loader) and wraps the
        loop's ``run_iter`` (hooks and step) to mark iterations. First of the
        hooks: the gap ends before any other hook's time (the hooks' region)."""
        priority = 'HIGHEST'

        def before_train(self, runner):
            instrument(runner, clock)  # the optim wrapper exists from here on
            state['plain'] = PlainStep(runner) if plain else None
            run_iter = runner.train_loop.run_iter

            def timed_run_iter(idx, data_batch):
                run_iter(idx, data_batch)
                after_iteration()

            runner.train_loop.run_iter = timed_run_iter

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if clock.enabled:
                clock.totals['data loader'] += time.perf_counter() - state['start']

    def after_iteration():
        end = time.perf_counter()
        timed = clock.enabled
        if timed:
            runner_times.append(end - state['start'])
            clock.enabled = False
        state['done'] += 1
        # a plain iteration right after each Runner one: the pair sees the
        # same state of the machine (not two runs minutes apart)
        if state['plain'] is not None and state['done'] <= skip + iters:
            seconds = state['plain']()
            if timed:
                plain_times.append(seconds)
        if state['done'] == skip + iters and torch_profile:
            profiler.__enter__()
        if state['done'] >= last:
            raise _Done
        clock.enabled = skip <= state['done'] < skip + iters
        state['start'] = time.perf_counter()

    runner.register_hook(Boundaries(), 'HIGHEST')
    state['start'] = time.perf_counter()
    try:
        runner.train()
    except _Done:
        pass
    wall = sum(runner_times)
    totals = dict(clock.totals)
    # what no region claimed: the Runner's loop, message hub, logging calls
    totals['Runner loop, rest'] = wall - sum(totals.values())
    batch = cfg.train_dataloader.batch_size
    result = dict(iters=iters, wall_s=wall, images_per_s=batch * iters / wall,
                  median_iter_s=statistics.median(runner_times),
                  ms_per_iter={k: 1e3 * v / iters
                               for k, v in sorted(totals.items(), key=lambda kv: -kv[1])})
    if torch_profile:
        profiler.__exit__(None, None, None)
        ops = sorted(profiler.key_averages(), key=lambda e: -e.self_cpu_time_total)
        result['profiled_iters'] = profile_iters
        result['top_ops_ms_per_iter'] = {e.key: e.self_cpu_time_total / 1e3 / profile_iters
                                         for e in ops[:torch_profile]}
    plain_result = None
    if plain:
        plain_result = dict(iters=len(plain_times), wall_s=sum(plain_times),
                            images_per_s=batch * len(plain_times) / sum(plain_times),
                            median_iter_s=statistics.median(plain_times))
    return result, plain_result


def cpu_description() -> dict:
    """The CPU's model name and the vector features that decide its speed."""
    from mec_plugin.engine.optim_wrappers import native_cpu_bf16
    model, flags = None, set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name' and model is None:
                    model = value.strip()
                elif key.strip() == 'flags' and not flags:
                    flags = set(value.split())
    except OSError:  # not Linux
        pass
    wanted = ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile')
    return dict(model=model, features=[f for f in wanted if f in flags],
                native_bf16=native_cpu_bf16())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--data-root', default='data/fashion-mnist')
    parser.add_argument('--iters', type=int, default=20, help='timed iterations')
    parser.add_argument('--skip', type=int, default=4, help='untimed warm-up iterations (>= 1)')
    parser.add_argument('--precision', choices=['auto', 'bf16', 'fp32'], default='auto',
                        help="BFloat16OptimWrapper's cpu_precision")
    parser.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument('--torch-profile', type=int, default=0, metavar='N',
                        help='also list the N most expensive operators (torch.profiler), '
                        'over --profile-iters more iterations after the timed ones')
    parser.add_argument('--profile-iters', type=int, default=3)
    parser.add_argument('--no-plain', action='store_true', help='no plain iterations')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE')
    parser.add_argument('--out')
    args = parser.parse_args(argv)
    if args.skip < 1:
        raise SystemExit('--skip must be >= 1: the first iteration builds what later ones reuse')
    import torch
    from mmengine.config import Config, DictAction
    import mec_plugin  # noqa: F401
    if args.threads:  # default: torch's own (one per core), as tools/train.py runs
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    cfg.train_dataloader.dataset.dataset.data_root = osp.abspath(args.data_root) + '/'
    if cfg.optim_wrapper.get('type') == 'BFloat16OptimWrapper':
        cfg.optim_wrapper.cpu_precision = args.precision
    if args.cfg_options:
        opts = argparse.Namespace()
        DictAction(option_strings=[], dest='o')(None, opts, args.cfg_options)
        cfg.merge_from_dict(opts.o)
    with tempfile.TemporaryDirectory() as tmp:
        runner_result, plain = profile_runner(cfg, args.iters, args.skip, osp.join(tmp, 'runner'),
                                              not args.no_plain, args.torch_profile,
                                              args.profile_iters)
    record_cpu = cpu_description()
    print(f"CPU: {record_cpu['model']} ({', '.join(record_cpu['features']) or 'no AVX2'}); "
          f"native bf16: {record_cpu['native_bf16'] or 'none'}")
    print(f"Runner: {runner_result['images_per_s']:.1f} images/s over {runner_result['iters']} "
          f"iterations ({torch.get_num_threads()} threads, precision {args.precision})")
    total = sum(runner_result['ms_per_iter'].values())
    for name, ms in runner_result['ms_per_iter'].items():
        print(f'  {name:34s} {ms:8.1f} ms  {100 * ms / total:5.1f} %')
    for name, ms in runner_result.get('top_ops_ms_per_iter', {}).items():
        print(f'  op {name:31s} {ms:8.1f} ms')
    record = dict(benchmark='profile_step', config=osp.relpath(args.config, ROOT),
                  precision=args.precision, threads=torch.get_num_threads(),
                  runner=runner_result, plain=plain,
                  cpu=record_cpu, env=env_info(torch.device('cpu')),
                  command='python benchmarks/profile_step.py ' + ' '.join(argv or sys.argv[1:]))
    if plain is not None:
        record['runner_over_plain'] = plain['median_iter_s'] / runner_result['median_iter_s']
        print(f"plain loop: {plain['images_per_s']:.1f} images/s; Runner / plain "
              f"(median iteration times) = {record['runner_over_plain']:.3f}")
    write_json(args.out, record)
    return record


if __name__ == '__main__':
    main()
