"""The record's backbone statistics: each convolution's weight norm in the converted
10-epoch student backbone against a freshly initialised network of the same config, the
mean |gamma| of the BatchNorm after it, and the channels whose running variance is below
10 x BatchNorm's eps (1e-5). Run from the repository root:

    python benchmarks/results/cpu-avx2_2026-12-07_fashion_mnist_scenes_10e/backbone_stats.py \
        work_dirs/downstream_scenes/detection/MEC_10ep_seed0/backbone_student.pth \
        benchmarks/results/cpu-avx2_2026-12-07_fashion_mnist_scenes_10e/backbone_stats.json
"""
import json
import sys

import torch
from mmpretrain.models import ResNet_CIFAR

from mec_plugin.utils.safe_checkpoint import load_from_local

state = load_from_local(sys.argv[1], map_location='cpu')['state_dict']
torch.manual_seed(0)
fresh = ResNet_CIFAR(depth=18, in_channels=1, stem_channels=16, base_channels=16)
fresh.init_weights()
init = fresh.state_dict()
rows = []
for key, w in state.items():
    if w.dim() != 4:
        continue
    bn = key[:-len('0.weight')] + '1' if key.endswith('downsample.0.weight') \
        else key[:-len('.weight')].replace('conv', 'bn')
    var = state[f'{bn}.running_var']
    rows.append(dict(conv=key, norm=round(float(w.norm()), 4),
                     init_norm=round(float(init[key].norm()), 4),
                     ratio=round(float(w.norm() / init[key].norm()), 4),
                     bn_gamma_abs_mean=round(float(state[f'{bn}.weight'].abs().mean()), 4),
                     bn_channels=int(var.numel()),
                     bn_var_below_1e_4=int((var < 1e-4).sum())))
with open(sys.argv[2], 'w') as f:  # (init_weights logs to stdout)
    json.dump(dict(checkpoint=sys.argv[1], rows=rows,
                   bn_channels=sum(r['bn_channels'] for r in rows),
                   bn_var_below_1e_4=sum(r['bn_var_below_1e_4'] for r in rows)), f, indent=1)
