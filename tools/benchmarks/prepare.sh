# Sourced by train.sh, dist_train.sh and slurm_train.sh; not run on its own.
#   source prepare.sh CONFIG PRETRAIN
# Converts PRETRAIN (a checkpoint of this plugin, an official MEC release or
# a torchvision ResNet) into WORK_DIR/backbone_<weights>.pth and sets:
#   TRAIN_PY   mmdet's / mmseg's own tools/train.py (shipped in <pkg>/.mim/)
#   WORK_DIR   work_dirs/benchmarks/<pkg>/<config>/<checkpoint>[_teacher]
#   INIT_OPTS  --cfg-options that point every Pretrained init_cfg at the
#              converted file (the backbone, and res5 in the RoI head of C4 models)
# Needs the full environment (bash tools/install.sh --ops: mmcv with its ops,
# mmdet, mmseg); in the core one it stops before any work and says so.
# Environment: PYTHON (default: the .venv, else python on PATH), WEIGHTS (student | teacher), STEM (7x7, or
# 3x3 for CIFAR ResNets; default: 3x3 when the config name says "cifar"),
# WORK_DIR (overrides the default).
set -e
CONFIG=$1
PRETRAIN=$2
if [ -z "$CONFIG" ] || [ -z "$PRETRAIN" ]; then
    echo "usage: $0 CONFIG PRETRAIN ..." >&2; exit 2
fi
[ -f "$PRETRAIN" ] || { echo "no such checkpoint: $PRETRAIN" >&2; exit 2; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$REPO/tools/find_python.sh"  # $PYTHON, else the .venv, else python
# the plugin is imported by the configs' custom_imports; make it importable
# even where it is not pip-installed
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"

case "$CONFIG" in
    *mmdetection*) PKG=mmdet ;;
    *mmsegmentation*) PKG=mmseg ;;
    *) echo "$CONFIG: not under configs/benchmarks/{mmdetection,mmsegmentation}" >&2; exit 2 ;;
esac
# mmdet's / mmseg's own train.py; the core environment (mmcv-lite, no mmdet /
# mmseg) stops here, before any work, with the fix in one line (-W: mmcv-lite's
# own warning about the same missing ops would come first)
TRAIN_PY=$($PYTHON -W 'ignore:Fail to import ``MultiScaleDeformableAttention``:UserWarning' -c "
from mec_plugin.compat import require_mmcv_ops
require_mmcv_ops('the $PKG benchmarks', '$PKG')
import os, $PKG
print(os.path.join(os.path.dirname($PKG.__file__), '.mim', 'tools', 'train.py'))") || exit 2
[ -f "$TRAIN_PY" ] || { echo "$PKG has no $TRAIN_PY (an editable install without .mim?)" >&2; exit 2; }

WEIGHTS=${WEIGHTS:-student}
case "$(basename "$CONFIG")" in
    *cifar*) STEM=${STEM:-3x3} ;;
    *) STEM=${STEM:-7x7} ;;
esac
CFG_NAME=$(basename "$CONFIG" .py)
# epoch_200.pth says little on its own: keep the run directory's name too
CKPT_NAME="$(basename "$(dirname "$(readlink -f "$PRETRAIN")")")_$(basename "$PRETRAIN" .pth)"
[ "$WEIGHTS" = teacher ] && CKPT_NAME="${CKPT_NAME}_teacher"
WORK_DIR=${WORK_DIR:-work_dirs/benchmarks/$PKG/$CFG_NAME/$CKPT_NAME}
mkdir -p "$WORK_DIR"
BACKBONE="$WORK_DIR/backbone_$WEIGHTS.pth"

# --force: the file is this script's own product in its own work dir, rewritten
# on a re-run (the converter still refuses when it is PRETRAIN itself)
$PYTHON "$REPO/tools/model_converters/extract_backbone_weights.py" "$PRETRAIN" "$BACKBONE" \
    --weights "$WEIGHTS" --stem "$STEM" --force

INIT_OPTS="model.backbone.init_cfg.checkpoint=$BACKBONE"
# C4 detectors run stage 4 as the RoI head's shared head, with its own init_cfg
HAS_SHARED_HEAD=$($PYTHON -c "
from mmengine.config import Config
m = Config.fromfile('$CONFIG', import_custom_modules=False).model
print(int(bool(m.get('roi_head', {}).get('shared_head', {}).get('init_cfg'))))")
if [ "$HAS_SHARED_HEAD" = 1 ]; then
    INIT_OPTS="$INIT_OPTS model.roi_head.shared_head.init_cfg.checkpoint=$BACKBONE"
fi
echo "benchmark: $PKG $CFG_NAME from $PRETRAIN ($WEIGHTS) -> $WORK_DIR"
