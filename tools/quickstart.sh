#!/usr/bin/env bash
# The main job, from a clean clone: set up the environment, pre-train MEC on a
# small real dataset (single process, CPU or one GPU), and print the k-NN
# accuracy of the trained network next to the same network at random
# initialisation.
#
#   bash tools/quickstart.sh                      # Fashion-MNIST (Debian's package)
#   DATA=/path/to/tree bash tools/quickstart.sh   # ImageFolder: tree/train/<class>/*, tree/test/<class>/*
#   DATA=../shared/data bash tools/quickstart.sh  # a folder with cifar10-{train,test}.tar.gz
#   bash tools/quickstart.sh train_cfg.max_epochs=8   # extra --cfg-options for training
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-fashion-mnist}
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1/4 environment (.venv)"
if [ "$DATA" = fashion-mnist ]; then
  WITH_FASHION_MNIST=1 bash tools/install.sh
else
  bash tools/install.sh
fi
PY=.venv/bin/python

say "2/4 data"
if [ "$DATA" = fashion-mnist ]; then
  CONFIG=configs/mec/mec_resnet18-w16_1xb256-4e_fashion-mnist.py
  ROOT=data/fashion-mnist
  mkdir -p "$ROOT"
  for f in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
    out="$ROOT/$(basename "$f" .gz)"
    [ -s "$out" ] || gunzip -c "$f" > "$out"
  done
else
  CONFIG=configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py
  ROOT=$DATA
  if [ -f "$DATA/cifar10-train.tar.gz" ] && [ -f "$DATA/cifar10-test.tar.gz" ]; then
    ROOT=data/cifar10
    if [ ! -d "$ROOT/train" ] || [ ! -d "$ROOT/test" ]; then
      mkdir -p "$ROOT"
      tar xzf "$DATA/cifar10-train.tar.gz" -C "$ROOT"
      tar xzf "$DATA/cifar10-test.tar.gz" -C "$ROOT"
    fi
  fi
  for split in train test; do
    [ -d "$ROOT/$split" ] || { echo "DATA=$DATA: expected an ImageFolder tree with $ROOT/$split/<class>/<image>" >&2; exit 2; }
  done
fi
ROOT=$(cd "$ROOT" && pwd)
DATA_OPTS=(train_dataloader.dataset.dataset.data_root="$ROOT/" knn_train_dataloader.dataset.dataset.data_root="$ROOT/"
           knn_test_dataloader.dataset.data_root="$ROOT/")
echo "config: $CONFIG"
echo "data:   $ROOT"

say "3/4 MEC pre-training (work dir $WORK_DIR)"
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --cfg-options "${DATA_OPTS[@]}" "$@"
CKPT=$(cat "$WORK_DIR/last_checkpoint")

say "4/4 k-NN: trained vs random initialisation"
$PY tools/analysis/knn_eval.py "$CONFIG" "$CKPT" --out "$WORK_DIR/knn_trained.json" \
    --cfg-options "${DATA_OPTS[@]}" > "$WORK_DIR/knn_trained.log"
$PY tools/analysis/knn_eval.py "$CONFIG" --out "$WORK_DIR/knn_random_init.json" \
    --cfg-options "${DATA_OPTS[@]}" > "$WORK_DIR/knn_random_init.log"
$PY - "$WORK_DIR" <<'PY'
import json, sys
d = sys.argv[1]
trained = json.load(open(f'{d}/knn_trained.json'))
random = json.load(open(f'{d}/knn_random_init.json'))
print(f"k-NN top-1 on {trained['num_test']} test images, memory of {trained['num_train']} training "
      f"images, {trained['feature_dim']}-d pooled backbone features:")
print(f"{'':28s}{'MEC (' + trained['checkpoint'].split('/')[-1] + ')':>24s}{'random init':>14s}")
for key in trained['weighted_knn']:
    print(f"  weighted {key:18s}{trained['weighted_knn'][key]:23.2f}%{random['weighted_knn'][key]:13.2f}%")
PY
