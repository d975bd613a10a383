"""Write synthetic videos with known masks as a DAVIS-2017 tree.

    python tools/analysis/make_synthetic_videos.py OUT [--videos 4] [--frames 12]
        [--height 64] [--width 96] [--objects 2] [--seed 0]

Textured ellipses / rectangles moving over a textured background
(``mec_plugin.evaluation.video.synthetic``), every frame annotated; the tree
reads as ``--task davis --data-root OUT`` in ``label_propagation.py``. OUT
must not exist or be empty.
"""
import argparse
import os
import os.path as osp
import sys

from mec_plugin.evaluation.video.synthetic import make_synthetic_davis


def main(argv=None):
    p = argparse.ArgumentParser(description='synthetic DAVIS-layout videos')
    p.add_argument('out')
    p.add_argument('--videos', type=int, default=4)
    p.add_argument('--frames', type=int, default=12)
    p.add_argument('--height', type=int, default=64)
    p.add_argument('--width', type=int, default=96)
    p.add_argument('--objects', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    if osp.exists(args.out) and (not osp.isdir(args.out) or os.listdir(args.out)):
        raise SystemExit(f'{args.out} exists and is not an empty folder')
    make_synthetic_davis(args.out, args.videos, args.frames, (args.height, args.width),
                         args.objects, args.seed)
    print(f'{args.videos} videos of {args.frames} frames ({args.height}x{args.width}) '
          f'written to {args.out}')


if __name__ == '__main__':
    main(sys.argv[1:])
