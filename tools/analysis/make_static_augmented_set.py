"""Write ssl-small's static augmented set: original + two MoCo-v2 views per image.

    python tools/analysis/make_static_augmented_set.py SRC DST
        [--images-per-class 50] [--seed 0] [--size 224] [--blur-prob 0.5]

SRC is an ImageFolder tree (``SRC/<class>/<image>``); the first N images of
each class in sorted order are written to ``DST/<class>/<stem>-{0,1,2}.jpeg``
(0: the original re-saved as JPEG, 1 and 2: independent MoCo-v2 views at
``--size`` px). The same seed gives the same files. For 32-px data use e.g.
``--size 32 --blur-prob 0`` (a sigma of 0.1-2 px erases a 32-px image).
"""
import argparse
import time

import mec_plugin  # noqa: F401  (registers the transforms and the mmcv fixes)
from mmpretrain.utils import register_all_modules

from mec_plugin.evaluation import make_static_augmented_set


def parse_args():
    p = argparse.ArgumentParser(description='write the static augmented set')
    p.add_argument('src', help='ImageFolder tree')
    p.add_argument('dst', help='output directory')
    p.add_argument('--images-per-class', type=int, default=50)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--size', type=int, default=224, help='output size of the views')
    p.add_argument('--blur-prob', type=float, default=0.5)
    return p.parse_args()


def main():
    args = parse_args()
    register_all_modules(init_default_scope=True)
    t0 = time.time()
    n = make_static_augmented_set(args.src, args.dst, args.images_per_class, args.seed, args.size,
                                  args.blur_prob)
    print(f'wrote {3 * n} images ({n} originals x 3) to {args.dst} in {time.time() - t0:.1f} s')


if __name__ == '__main__':
    main()
