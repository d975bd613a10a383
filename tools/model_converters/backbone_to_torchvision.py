"""Write a backbone as a torchvision ResNet ``state_dict``.

    python tools/model_converters/backbone_to_torchvision.py CHECKPOINT OUT.pth
        [--weights student|teacher] [--source auto|...] [--depth 50] [--force]

CHECKPOINT: anything ``extract_backbone_weights.py`` reads (its own output
included). OUT.pth is a bare ``{name: tensor}`` dict, as torchvision
publishes its weights, without ``fc``::

    torchvision.models.resnet50().load_state_dict(torch.load(OUT), strict=False)

reports only ``fc.weight`` / ``fc.bias`` missing. Only 7x7-stem ResNets:
torchvision has no CIFAR (3x3) or deep stem.
"""
import argparse
import os
import os.path as osp
import sys

import torch

from mec_plugin.utils.checkpoint import (CheckpointFormatError, backbone_to_torchvision,
                                         check_resnet_backbone, load_checkpoint_file,
                                         to_backbone)
from mec_plugin.utils.output_path import OutputExistsError, check_output_path
from mec_plugin.utils.safe_checkpoint import UnsafeCheckpointError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint')
    p.add_argument('out')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student')
    p.add_argument('--source', default='auto',
                   choices=['auto', 'plugin', 'official_mec', 'torchvision', 'backbone'])
    p.add_argument('--depth', type=int, default=None)
    p.add_argument('--force', action='store_true',
                   help='replace OUT if it exists (never when OUT is CHECKPOINT)')
    return p.parse_args(argv)


def convert(checkpoint: str, out: str, weights: str = 'student', source: str = 'auto',
            depth=None, force: bool = False) -> dict:
    check_output_path(out, [checkpoint], force)  # before the (slow) load
    state = load_checkpoint_file(checkpoint)  # read once, through the safe loader
    backbone, _ = to_backbone(state, source, weights)
    tv = backbone_to_torchvision(backbone)  # refuses non-7x7 stems, naming them
    arch = check_resnet_backbone(tv, depth=depth, stems=('7x7', ))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save({k: v.detach().clone().contiguous() for k, v in tv.items()}, out)
    return arch


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        arch = convert(args.checkpoint, args.out, args.weights, args.source, args.depth,
                       args.force)
    except OutputExistsError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    except (CheckpointFormatError, OSError) as error:  # OSError: not a file, a directory
        print(f'error: {args.checkpoint}: {error}', file=sys.stderr)
        return 1
    except (RuntimeError, UnsafeCheckpointError) as error:  # the loader's own messages
        print(f'error: {error}', file=sys.stderr)
        return 1
    print(f"{args.out}: torchvision ResNet-{arch['depth']} state_dict (no fc)")
    return 0


if __name__ == '__main__':
    sys.exit(main())
