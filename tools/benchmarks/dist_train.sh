#!/usr/bin/env bash
# Several GPUs (torchrun): convert a pre-training checkpoint and fine-tune an
# mmdet / mmseg benchmark from it.
#   bash tools/benchmarks/dist_train.sh CONFIG PRETRAIN GPUS [train.py args]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT as in mmdet's dist_train.sh.
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh" "$1" "$2"
GPUS=${3:?usage: $0 CONFIG PRETRAIN GPUS [args]}
shift 3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
exec $PYTHON -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$TRAIN_PY" "$CONFIG" --work-dir "$WORK_DIR" --launcher pytorch \
    --cfg-options $INIT_OPTS "$@"
