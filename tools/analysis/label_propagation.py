"""Label propagation with a frozen backbone: DAVIS-2017 masks or JHMDB pose.

    python tools/analysis/label_propagation.py CONFIG [CHECKPOINT] --task davis|jhmdb
        --data-root DIR [--weights student|teacher] [--stage auto|0|1|2|3]
        [--n-context 20] [--topk 10] [--temperature 0.07] [--radius 12]
        [--restrict-first-frame] [--size H W] [--split val|test] [--sequences NAME ...]
        [--limit N] [--save-masks DIR] [--force] [--out results.json]

CONFIG is the pre-training config (``model.backbone`` and its preprocessing);
CHECKPOINT is a checkpoint of this plugin, of mmpretrain, a bare or
torchvision ResNet, or an official MoCo / MEC encoder; omitted, the backbone
keeps its random initialisation (``--seed``), the baseline. The backbone is
read at stride 8 (``--stage auto``: res4 with its stride set to 1 for an
ImageNet ResNet, as CRW / UniTrack; res5 for the CIFAR ResNet; see
``mec_plugin/evaluation/video/encoder.py``). The propagation defaults are
CRW's (n = 20 context frames, top-k 10, temperature 0.07, radius 12 cells).

``--task davis``: ``--data-root`` is a DAVIS-2017 root (``JPEGImages/480p``,
``Annotations/480p``, ``ImageSets/2017/<split>.txt``); frames at their own
size. Prints J, F and J&F as the DAVIS toolkit computes them;
``--save-masks DIR`` writes ``DIR/<sequence>/<frame>.png`` palette masks that
the official toolkit can score (``--results_path DIR``).
``--task jhmdb``: ``--data-root`` is a JHMDB root (``Rename_Images``,
``joint_positions``, ``splits``); frames resized to 320 x 320 as CRW does
(``--size``); prints PCK@0.1 / 0.2.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import mec_plugin  # noqa: F401  (registers the plugin and its checkpoint loader)
import torch
from mmengine.config import Config, DictAction
from mmpretrain.utils import register_all_modules

from mec_plugin.evaluation.video import (CRW_DEFAULTS, build_frame_encoder, evaluate_davis,
                                         evaluate_jhmdb, list_davis_sequences, list_jhmdb_videos)

#: frame size given to the network: DAVIS at 480p as it comes (CRW's
#: --cropSize -1), JHMDB resized to 320 x 320 (CRW's --cropSize 320)
DEFAULT_SIZE = dict(davis=None, jhmdb=(320, 320))


def stage_arg(value: str):
    if value == 'auto':
        return value
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--stage must be 'auto' or a stage index, got {value!r}")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='label propagation (DAVIS-2017 VOS, JHMDB pose) '
                                'with a frozen backbone')
    p.add_argument('config', help='pre-training config (model.backbone, preprocessing)')
    p.add_argument('checkpoint', nargs='?', default=None,
                   help='checkpoint (plugin, mmpretrain, torchvision, official MEC / MoCo); '
                   'omit for random initialisation')
    p.add_argument('--task', choices=['davis', 'jhmdb'], required=True)
    p.add_argument('--data-root', required=True, help='DAVIS-2017 or JHMDB root folder')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student')
    p.add_argument('--stage', type=stage_arg, default='auto',
                   help="backbone stage to read at stride 8: 'auto' (res4 of a ResNet with its "
                   'stride set to 1, as CRW / UniTrack; res5 of the CIFAR ResNet) or 0..3')
    p.add_argument('--n-context', type=int, default=CRW_DEFAULTS['n_context'],
                   help='previous frames in the context queue (besides the first frame)')
    p.add_argument('--topk', type=int, default=CRW_DEFAULTS['topk'])
    p.add_argument('--temperature', type=float, default=CRW_DEFAULTS['temperature'])
    p.add_argument('--radius', type=float, default=CRW_DEFAULTS['radius'],
                   help='spatial radius in feature cells for the previous frames')
    p.add_argument('--restrict-first-frame', action='store_true',
                   help='apply the radius to the first frame too (CRW does not)')
    p.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'),
                   help='resize frames for the network (default: davis native, jhmdb 320 320; '
                   '0 0 = native)')
    p.add_argument('--split', help="DAVIS: ImageSets/2017/<split>.txt (default 'val'); "
                   "JHMDB: 'train' or 'test' (default) of splits/*_test_split<split-id>.txt")
    p.add_argument('--split-id', type=int, default=1, help='JHMDB split 1, 2 or 3')
    p.add_argument('--sequences', nargs='+', help='DAVIS sequences / JHMDB <action>/<video> '
                   'to evaluate instead of the split')
    p.add_argument('--limit', type=int, help='evaluate only the first N videos')
    p.add_argument('--bound-th', type=float, default=0.008,
                   help='DAVIS boundary tolerance (fraction of the diagonal)')
    p.add_argument('--sigma', type=float, default=0.5,
                   help='JHMDB: Gaussian sigma of the joint heat maps, in feature cells')
    p.add_argument('--pck', type=float, nargs='+', default=[0.1, 0.2], help='JHMDB PCK alphas')
    p.add_argument('--pck-norm', choices=['crw', 'max_side'], default='crw',
                   help="JHMDB distance scale: 0.6 x the joints' box diagonal (CRW) or its "
                   'longer side')
    p.add_argument('--save-masks', metavar='DIR', help='DAVIS: write the predicted masks here')
    p.add_argument('--force', action='store_true',
                   help='write into a non-empty --save-masks folder / over an existing --out')
    p.add_argument('--out', help='write the results (JSON) here')
    p.add_argument('--batch-frames', type=int, default=8, help='frames per forward pass')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--seed', type=int, default=0, help='seed of the random initialisation')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def check_outputs(args) -> None:
    """Refuse to write over a user's files unless --force."""
    if args.save_masks:
        if args.task != 'davis':
            raise SystemExit('--save-masks writes DAVIS masks: use it with --task davis')
        if osp.isdir(args.save_masks) and os.listdir(args.save_masks) and not args.force:
            raise SystemExit(f'--save-masks {args.save_masks} is not empty; pass --force to '
                             'write into it (existing masks of the same names are replaced)')
        if osp.exists(args.save_masks) and not osp.isdir(args.save_masks):
            raise SystemExit(f'--save-masks {args.save_masks} is a file, not a folder')
    if args.out and osp.exists(args.out) and not args.force:
        raise SystemExit(f'--out {args.out} exists; pass --force to replace it')


def print_line(index, total, record):
    name = record.get('sequence', record.get('video'))
    h, w = record['feature_size']
    if 'J' in record:
        j = sum(s['mean'] for s in record['J']) / max(len(record['J']), 1)
        f = sum(s['mean'] for s in record['F']) / max(len(record['F']), 1)
        score = f'J {j:.3f}  F {f:.3f}'
    elif 'scored' in record:
        score = 'not scored (first-frame annotation only)'
    else:
        score = '  '.join(f'{k} {v:.3f}' for k, v in record.items() if k.startswith('PCK@'))
    print(f'[{index + 1}/{total}] {name}: {record["frames"]} frames, features {h}x{w}, {score} '
          f'({record["seconds"]:.1f} s)', flush=True)


def table(result) -> str:
    if result['task'] == 'davis':
        rows = ['| sequence | frames | objects | J-Mean | F-Mean | J&F-Mean |',
                '|---|---|---|---|---|---|']
        for r in result['sequences']:
            if not r['scored']:
                rows.append(f"| {r['sequence']} | {r['frames']} | {r['objects']} | - | - | - |")
                continue
            j = sum(s['mean'] for s in r['J']) / max(len(r['J']), 1)
            f = sum(s['mean'] for s in r['F']) / max(len(r['F']), 1)
            rows.append(f"| {r['sequence']} | {r['frames']} | {r['objects']} | {j:.4f} | "
                        f'{f:.4f} | {(j + f) / 2:.4f} |')
        s = result['summary']
        if s:
            rows.append(f"| **all ({s['objects']} objects)** | | | {s['J-Mean']:.4f} | "
                        f"{s['F-Mean']:.4f} | {s['J&F-Mean']:.4f} |")
            rows.append('')
            rows.append('  '.join(f'{k} {s[k]:.4f}' for k in (
                'J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay')))
        return '\n'.join(rows)
    keys = list(result['summary'])
    rows = ['| video | frames | ' + ' | '.join(keys) + ' |', '|---|---|' + '---|' * len(keys)]
    for r in result['videos']:
        rows.append(f"| {r['video']} | {r['frames']} | " +
                    ' | '.join(f'{r[k]:.4f}' for k in keys) + ' |')
    rows.append('| **all (mean over joints)** | | ' +
                ' | '.join(f"{result['summary'][k]['mean']:.4f}" for k in keys) + ' |')
    return '\n'.join(rows)


def main(argv=None):
    args = parse_args(argv)
    check_outputs(args)
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint not found: {args.checkpoint}')
    if not osp.isdir(args.data_root):
        raise SystemExit(f'--data-root {args.data_root} is not a folder')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules(init_default_scope=True)

    if args.task == 'davis':
        videos = list_davis_sequences(args.data_root, args.split or 'val',
                                      sequences=args.sequences)
    else:
        videos = list_jhmdb_videos(args.data_root, args.split or 'test', args.split_id,
                                   videos=args.sequences)
    if args.limit:
        videos = videos[:args.limit]
    size = DEFAULT_SIZE[args.task] if args.size is None else (
        None if args.size == [0, 0] else tuple(args.size))
    torch.manual_seed(args.seed)
    encoder, info = build_frame_encoder(cfg, args.checkpoint, args.weights, args.stage,
                                        args.device, size, args.batch_frames)
    propagation = dict(n_context=args.n_context, topk=args.topk, temperature=args.temperature,
                       radius=args.radius, restrict_first_frame=args.restrict_first_frame)
    print(f'{args.task}: {len(videos)} videos from {args.data_root}; backbone stage '
          f"{info['stage']} at stride {info['stride']} (native {info['native_stride']}"
          + (f", strides {info['strides']}" if info['strides'] else '') + f'); frames '
          f"{'native size' if size is None else f'resized to {size[0]}x{size[1]}'}; "
          + ', '.join(f'{k} {v}' for k, v in propagation.items()), flush=True)
    t0 = time.time()
    if args.task == 'davis':
        result = evaluate_davis(encoder, videos, propagation, args.bound_th, args.save_masks,
                                args.batch_frames, print_line)
    else:
        result = evaluate_jhmdb(encoder, videos, propagation, args.sigma, args.pck,
                                args.pck_norm, args.batch_frames, print_line)
    result.update(config=args.config, checkpoint=args.checkpoint or 'random-init',
                  weights=args.weights if args.checkpoint else None, seed=args.seed,
                  data_root=args.data_root, encoder=info,
                  frame_size='native' if size is None else list(size),
                  seconds=round(time.time() - t0, 1))
    print(table(result))
    if args.out:
        if osp.dirname(args.out):
            os.makedirs(osp.dirname(args.out), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'results written to {args.out}')
    if args.save_masks:
        print(f'masks written to {args.save_masks}')
    return result


if __name__ == '__main__':
    main(sys.argv[1:])
