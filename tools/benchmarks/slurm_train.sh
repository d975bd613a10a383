#!/usr/bin/env bash
# Slurm: convert a pre-training checkpoint (here, on the submitting node) and
# fine-tune an mmdet / mmseg benchmark from it with srun.
#   bash tools/benchmarks/slurm_train.sh PARTITION JOB_NAME CONFIG PRETRAIN [train.py args]
# GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS as in mmdet's slurm_train.sh.
PARTITION=${1:?usage: $0 PARTITION JOB_NAME CONFIG PRETRAIN [args]}
JOB_NAME=${2:?usage: $0 PARTITION JOB_NAME CONFIG PRETRAIN [args]}
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh" "$3" "$4"
shift 4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 ${SRUN_ARGS} \
    $PYTHON -u "$TRAIN_PY" "$CONFIG" --work-dir "$WORK_DIR" --launcher slurm \
    --cfg-options $INIT_OPTS "$@"
