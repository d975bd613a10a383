"""Extract a ResNet backbone for mmpretrain / mmdet / mmseg fine-tuning.

    python tools/model_converters/extract_backbone_weights.py CHECKPOINT OUT.pth
        [--weights student|teacher] [--source auto|plugin|official_mec|torchvision|backbone]
        [--depth 50] [--stem 7x7|3x3] [--force]

CHECKPOINT is a checkpoint of this plugin (student ``backbone.*`` or EMA
teacher ``teacher.module.0.*``), an official MEC release (``module.encoder.*``,
projector and predictor dropped) or a torchvision ResNet (``fc`` dropped).
OUT.pth holds ``{'state_dict': {name: tensor}, 'meta': {...}}`` with bare
ResNet keys (``conv1.weight``, ``layer1.0.bn1.weight`` ...): it loads with
``torch.load(weights_only=True)`` and through ``init_cfg=dict(type='Pretrained',
checkpoint=OUT.pth)`` (no prefix) into mmpretrain's, mmdet's and mmseg's
``ResNet`` -- or, with ``--stem 3x3``, into mmpretrain's ``ResNet_CIFAR``.
The backbone is checked first (all four stages, the depth, no stray keys,
a stem that fits the target); a checkpoint that fails names the keys.
"""
import argparse
import os
import os.path as osp
import sys

import torch

from mec_plugin.utils.checkpoint import (CheckpointFormatError, check_resnet_backbone,
                                         load_checkpoint_file, to_backbone)
from mec_plugin.utils.output_path import OutputExistsError, check_output_path
from mec_plugin.utils.safe_checkpoint import UnsafeCheckpointError
from mec_plugin.version import __version__


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint', help='plugin / official MEC / torchvision checkpoint')
    p.add_argument('out', help='where to write the backbone (.pth)')
    p.add_argument('--weights', choices=['student', 'teacher'], default='student',
                   help='for a plugin checkpoint: the student or the EMA teacher backbone')
    p.add_argument('--source', default='auto',
                   choices=['auto', 'plugin', 'official_mec', 'torchvision', 'backbone'])
    p.add_argument('--depth', type=int, default=None, help='refuse any other ResNet depth')
    p.add_argument('--stem', choices=['7x7', '3x3'], default='7x7',
                   help="the target network's stem: 7x7 = ResNet (mmdet, mmseg, mmpretrain, "
                   'torchvision), 3x3 = mmpretrain ResNet_CIFAR')
    p.add_argument('--force', action='store_true',
                   help='replace OUT if it exists (never when OUT is CHECKPOINT)')
    return p.parse_args(argv)


def convert(checkpoint: str, out: str, weights: str = 'student', source: str = 'auto',
            depth=None, stem: str = '7x7', force: bool = False) -> dict:
    """Convert and save; returns the written ``meta``."""
    check_output_path(out, [checkpoint], force)  # before the (slow) load
    state = load_checkpoint_file(checkpoint)  # read once, through the safe loader
    backbone, found = to_backbone(state, source, weights)
    arch = check_resnet_backbone(backbone, depth=depth, stems=(stem, ))
    meta = dict(source_checkpoint=osp.basename(checkpoint), source_format=found,
                weights=weights if found == 'plugin' else 'encoder', depth=arch['depth'],
                stem=arch['stem'], block=arch['block'], converter=f'mec_plugin {__version__}')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    # contiguous clones: no shared storage with the dropped parts of the file
    torch.save(dict(state_dict={k: v.detach().clone().contiguous() for k, v in backbone.items()},
                    meta=meta), out)
    return meta


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        meta = convert(args.checkpoint, args.out, args.weights, args.source, args.depth, args.stem,
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
    print(f"{args.out}: ResNet-{meta['depth']} ({meta['stem']} stem) backbone, "
          f"{meta['source_format']} {meta['weights']} weights of {meta['source_checkpoint']}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
