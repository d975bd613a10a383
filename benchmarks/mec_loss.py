"""Speed of ``mec_plugin.models.losses.mec_loss`` (forward + backward) against
the official repeated-product form, for every mode and Taylor order.

    python benchmarks/mec_loss.py --device cuda --out work_dirs/bench/mec_loss.json
    python benchmarks/mec_loss.py --device cpu --quick --out /tmp/mec_loss.json

For each (m, d) and order n the script

1. computes the loss and the student gradient with the plugin (modes
   ``batch``, ``feature``, ``auto``; ``exact`` once per shape) and with an
   independent transcription of the official ``loss_func`` (C = p z^T / lamda_inv
   on the m x m side, S = sum_k (-1)^(k+1) C^k / k by repeated products,
   Tr S; docs/methods/mec.md; ``tests/_reference.py``, which the tests check
   against float64 maths) -- or ``slogdet(I_m + C)`` for ``exact`` -- and
   records the largest relative difference of value and gradient; a shape
   whose values disagree is timed anyway but flagged (``agree: false``);
2. times forward + backward (teacher ``p`` detached, student ``z`` a leaf):
   warm-up calls, then the median of ``--reps`` calls, each bracketed by CUDA
   events on a GPU or ``perf_counter`` on the CPU;
3. optionally (``--compile``) times ``torch.compile(mec_loss)`` in mode
   ``auto`` and (``--cuda-graph``) a CUDA-graph replay of the eager step,
   recording whether each helped or why it could not run.
"""
import argparse
import os
import sys
from typing import Callable, Dict, Tuple

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# the official form, the one the tests check against float64 maths
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from _common import configure_threads, env_info, resolve_device, time_fn, write_json  # noqa: E402
from _reference import exact_logdet as official_exact_logdet  # noqa: E402
from _reference import repeated_product_trace as official_repeated_product_trace  # noqa: E402


def _load_mec_loss():
    """``mec_plugin.models.losses.mec_loss``, loaded from its file.

    The loss module needs torch alone; importing it through the package would
    first import mmpretrain, mmdet hooks and every registered module (8 s of
    start-up on a small CPU) for nothing this script uses.
    """
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'mec_plugin', 'models',
                        'losses', 'mec_loss.py')
    spec = importlib.util.spec_from_file_location('_mec_loss_under_test', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.mec_loss


mec_loss = _load_mec_loss()

EPS_SQUARE = 64.  # official eps^2: 1/lambda = m * eps^2 / d
FULL = dict(ms=(256, 1024, 4096), ds=(2048, 8192), orders=(2, 3, 4, 5, 6), warmup=5, reps=20)
QUICK = dict(ms=(16, 48), ds=(32, 96), orders=(2, 3, 4, 5, 6), warmup=1, reps=3)
TAYLOR_MODES = ('batch', 'feature', 'auto')
AGREE_RTOL = 1e-3


def make_inputs(m: int, d: int, device: torch.device, dtype: torch.dtype, seed: int = 0):
    """Teacher p and a correlated student z (z = p + noise), like a trained pair.

    The correlation keeps rho(C) well below 1 at the official eps^2, so the
    truncated series is meaningful and the value check is informative.
    """
    g = torch.Generator(device='cpu').manual_seed(seed)
    p = torch.randn(m, d, generator=g)
    z = p + 0.5 * torch.randn(m, d, generator=g)
    return p.to(device, dtype), z.to(device, dtype).requires_grad_(True)


def value_and_grad(fn: Callable, p: torch.Tensor, z: torch.Tensor):
    z.grad = None
    value = fn(p, z)
    value.backward()
    grad = z.grad.detach().clone()
    z.grad = None
    return value.detach().double(), grad.double()


def rel_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    scale = b.abs().max().clamp_min(1e-30)
    return float((a - b).abs().max() / scale)


def fwd_bwd_step(fn: Callable, p: torch.Tensor, z: torch.Tensor) -> Callable[[], None]:
    def step():
        z.grad = None
        fn(p, z).backward()
    return step


def cuda_graph_step(fn: Callable, p: torch.Tensor, z: torch.Tensor):
    """Capture one forward + backward into a CUDA graph; returns (replay, loss)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm up on a side stream, as capture needs
        for _ in range(3):
            z.grad = None
            fn(p, z).backward()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    z.grad = None
    with torch.cuda.graph(graph):
        loss = fn(p, z)
        loss.backward()
    return graph.replay, loss


def bench_shape(m: int, d: int, orders, args, device, dtype) -> Dict:
    lamda_inv = m * EPS_SQUARE / d
    p, z = make_inputs(m, d, device, dtype)
    row = dict(m=m, d=d, lamda_inv=lamda_inv, taylor={}, exact={})
    for order in orders:
        ref = lambda p_, z_, n=order: official_repeated_product_trace(p_, z_, lamda_inv, n)  # noqa: E731
        ref_val, ref_grad = value_and_grad(ref, p, z)
        entry = dict(reference_ms=time_fn(fwd_bwd_step(ref, p, z), device, args.warmup,
                                          args.reps)['median_ms'],
                     reference_value=float(ref_val))
        for mode in TAYLOR_MODES:
            fn = lambda p_, z_, n=order, md=mode: mec_loss(p_, z_, lamda_inv, n, md)  # noqa: E731
            val, grad = value_and_grad(fn, p, z)
            t = time_fn(fwd_bwd_step(fn, p, z), device, args.warmup, args.reps)['median_ms']
            entry[mode] = dict(ms=t, speedup=entry['reference_ms'] / t,
                               value_rel_diff=rel_diff(val, ref_val),
                               grad_rel_diff=rel_diff(grad, ref_grad))
            entry[mode]['agree'] = (entry[mode]['value_rel_diff'] < AGREE_RTOL
                                    and entry[mode]['grad_rel_diff'] < AGREE_RTOL)
        if args.compile and order in args.compile_orders:
            entry['auto_compiled'] = bench_compiled(order, lamda_inv, p, z, ref_val, entry, args,
                                                    device)
        if args.cuda_graph:
            entry['auto_cuda_graph'] = bench_cuda_graph(order, lamda_inv, p, z, ref_val, entry,
                                                        args, device)
        row['taylor'][str(order)] = entry
        print(f'm={m:5d} d={d:5d} n={order}: official {entry["reference_ms"]:8.3f} ms | '
              + ' | '.join(f'{md} {entry[md]["ms"]:8.3f} ms x{entry[md]["speedup"]:.2f}'
                           f'{"" if entry[md]["agree"] else " DISAGREES"}'
                           for md in TAYLOR_MODES), flush=True)
    ref = lambda p_, z_: official_exact_logdet(p_, z_, lamda_inv)  # noqa: E731
    fn = lambda p_, z_: mec_loss(p_, z_, lamda_inv, mode='exact')  # noqa: E731
    ref_val, ref_grad = value_and_grad(ref, p, z)
    val, grad = value_and_grad(fn, p, z)
    ref_t = time_fn(fwd_bwd_step(ref, p, z), device, args.warmup, args.reps)['median_ms']
    t = time_fn(fwd_bwd_step(fn, p, z), device, args.warmup, args.reps)['median_ms']
    row['exact'] = dict(reference_ms=ref_t, ms=t, speedup=ref_t / t,
                        value_rel_diff=rel_diff(val, ref_val),
                        grad_rel_diff=rel_diff(grad, ref_grad),
                        # exact vs the order-4 official series: how far the series is off
                        taylor4_vs_exact=float(
                            (official_repeated_product_trace(p, z, lamda_inv, 4).detach().double()
                             - ref_val).abs() / ref_val.abs()))
    row['exact']['agree'] = (row['exact']['value_rel_diff'] < AGREE_RTOL
                             and row['exact']['grad_rel_diff'] < AGREE_RTOL)
    # the order-4 series of the official form vs the best plugin Taylor mode
    order4 = row['taylor'].get('4')
    if order4:
        best = min(TAYLOR_MODES, key=lambda md: order4[md]['ms'])
        row['order4_best_mode'] = best
        row['order4_best_speedup'] = order4[best]['speedup']
        row['order4_exact_vs_official_taylor'] = order4['reference_ms'] / t
    print(f'm={m:5d} d={d:5d} exact: slogdet(I_m+C) {ref_t:8.3f} ms | plugin {t:8.3f} ms '
          f'x{ref_t / t:.2f}', flush=True)
    return row


def bench_compiled(order, lamda_inv, p, z, ref_val, entry, args, device) -> Dict:
    try:
        compiled = torch.compile(mec_loss, dynamic=False, fullgraph=False)
        fn = lambda p_, z_: compiled(p_, z_, lamda_inv, order, 'auto')  # noqa: E731
        val, _ = value_and_grad(fn, p, z)
        t = time_fn(fwd_bwd_step(fn, p, z), device, args.warmup + 2, args.reps)['median_ms']
        return dict(ms=t, speedup_vs_eager_auto=entry['auto']['ms'] / t,
                    helped=t < entry['auto']['ms'], value_rel_diff=rel_diff(val, ref_val))
    except Exception as e:  # record why, keep benchmarking the rest
        return dict(error=f'{type(e).__name__}: {str(e).splitlines()[0][:300]}')


def bench_cuda_graph(order, lamda_inv, p, z, ref_val, entry, args, device) -> Dict:
    if device.type != 'cuda':
        return dict(error='CUDA graphs need a CUDA device')
    try:
        fn = lambda p_, z_: mec_loss(p_, z_, lamda_inv, order, 'auto')  # noqa: E731
        replay, loss = cuda_graph_step(fn, p, z)
        replay()
        torch.cuda.synchronize(device)
        value_diff = rel_diff(loss.detach().double(), ref_val)
        t = time_fn(replay, device, args.warmup, args.reps)['median_ms']
        return dict(ms=t, speedup_vs_eager_auto=entry['auto']['ms'] / t,
                    helped=t < entry['auto']['ms'], value_rel_diff=value_diff)
    except Exception as e:
        torch.cuda.synchronize(device)
        return dict(error=f'{type(e).__name__}: {str(e).splitlines()[0][:300]}')


def _parse_shape(text: str) -> Tuple[int, int]:
    try:
        m, d = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise ValueError(f"--shapes takes MxD pairs such as 4096x2048, got {text!r}") from None
    if m < 2 or d < 1:
        raise ValueError(f'--shapes {text}: m must be >= 2 and d >= 1')
    return m, d


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='auto', help="'cuda', 'cpu' or 'auto'")
    parser.add_argument('--dtype', default='float32', choices=('float32', 'bfloat16', 'float16'),
                        help='dtype of the embeddings fed to the loss (both forms compute in '
                             'float32)')
    parser.add_argument('--quick', action='store_true', help='toy sizes and few repetitions')
    parser.add_argument('--ms', type=int, nargs='+', help='batch sizes m')
    parser.add_argument('--ds', type=int, nargs='+', help='embedding widths d')
    parser.add_argument('--shapes', nargs='+', metavar='MxD',
                        help='(m, d) pairs such as 4096x2048, instead of every --ms x --ds pair')
    parser.add_argument('--orders', type=int, nargs='+', help='Taylor orders (>= 2)')
    parser.add_argument('--warmup', type=int)
    parser.add_argument('--reps', type=int)
    parser.add_argument('--compile', action='store_true',
                        help="also time torch.compile(mec_loss) in mode 'auto'")
    parser.add_argument('--compile-orders', type=int, nargs='+', default=[4],
                        help='orders to compile (each is a separate compilation)')
    parser.add_argument('--cuda-graph', action='store_true',
                        help="also time a CUDA-graph replay of the eager 'auto' step")
    parser.add_argument('--threads', type=int, help='CPU threads (default 1 on the CPU)')
    parser.add_argument('--out', help='JSON file to write')
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for key in ('orders', 'warmup', 'reps'):
        if getattr(args, key) is None:
            setattr(args, key, preset[key])
    if args.shapes:
        if args.ms or args.ds:
            raise ValueError('--shapes replaces --ms / --ds: give one or the other')
        args.pairs = [_parse_shape(text) for text in args.shapes]
    else:
        args.pairs = [(m, d) for m in (args.ms or preset['ms']) for d in (args.ds or preset['ds'])]
    if any(n < 2 for n in args.orders):
        raise ValueError(f'--orders must all be >= 2, got {args.orders}')
    if args.reps < 1:
        raise ValueError(f'--reps must be >= 1, got {args.reps}')
    return args


def main(argv=None) -> Dict:
    args = parse_args(argv)
    device = resolve_device(args.device)
    configure_threads(device, args.threads)
    dtype = getattr(torch, args.dtype)
    record = dict(benchmark='mec_loss', **env_info(device), dtype=args.dtype,
                  quick=args.quick, eps_square=EPS_SQUARE, agree_rtol=AGREE_RTOL,
                  timing='forward + backward, median ms ('
                         + ('CUDA events' if device.type == 'cuda' else 'perf_counter') + ')',
                  reference='official form: m x m C, repeated products, trace of the sum',
                  shapes=[])
    for m, d in args.pairs:
        record['shapes'].append(bench_shape(m, d, args.orders, args, device, dtype))
    checks = [e[md]['agree'] for s in record['shapes'] for e in s['taylor'].values()
              for md in TAYLOR_MODES] + [s['exact']['agree'] for s in record['shapes']]
    record['all_agree'] = all(checks)
    record['max_value_rel_diff'] = max(
        [e[md]['value_rel_diff'] for s in record['shapes'] for e in s['taylor'].values()
         for md in TAYLOR_MODES] + [s['exact']['value_rel_diff'] for s in record['shapes']])
    print(f"all values agree with the official form (rtol {AGREE_RTOL}): {record['all_agree']}; "
          f"max value rel diff {record['max_value_rel_diff']:.2e}")
    write_json(args.out, record)
    if not record['all_agree']:
        print('WARNING: some plugin values disagree with the official form', file=sys.stderr)
    return record


if __name__ == '__main__':
    main()
