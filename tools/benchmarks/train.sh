#!/usr/bin/env bash
# One process (one GPU, or the CPU): convert a pre-training checkpoint and
# fine-tune an mmdet / mmseg benchmark from it.
#   bash tools/benchmarks/train.sh CONFIG PRETRAIN [train.py args, e.g. --cfg-options k=v]
# e.g. bash tools/benchmarks/train.sh \
#   configs/benchmarks/mmdetection/coco/mask-rcnn_r50_fpn_ms-1x_coco.py work_dirs/mec/epoch_100.pth
# WEIGHTS=teacher uses the EMA teacher's backbone. SyncBN becomes BN in a
# single process (mmengine does that when not distributed).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh" "$1" "$2"
shift 2
exec $PYTHON "$TRAIN_PY" "$CONFIG" --work-dir "$WORK_DIR" --cfg-options $INIT_OPTS "$@"
