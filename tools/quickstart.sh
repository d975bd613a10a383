#!/usr/bin/env bash
# The main job, from a clean clone: set up the environment, pre-train MEC on a
# small real dataset (single process, CPU or one GPU), and print the k-NN
# accuracy of the trained network next to its baselines under the same k-NN:
# the raw and the centred pixel vectors, and the same network at random
# initialisation.
#
#   bash tools/quickstart.sh                      # Fashion-MNIST (Debian's package)
#   DATA=/path/to/tree bash tools/quickstart.sh   # ImageFolder: tree/train/<class>/*, tree/test/<class>/*
#   DATA=/path/to/archives bash tools/quickstart.sh  # a folder with cifar10-{train,test}.tar.gz
#   bash tools/quickstart.sh train_cfg.max_epochs=8   # extra --cfg-options for training
#   CONFIG=configs/cissl/cissl_resnet18-w16_1xb256-10e_fashion-mnist.py bash tools/quickstart.sh
#                                                 # another method on the same data and budget
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-fashion-mnist}
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# the core install (mmcv-lite) is all the main job needs; a full .venv is kept as it is
say "1/4 environment (.venv)"
if [ "$DATA" = fashion-mnist ]; then
  WITH_FASHION_MNIST=1 bash tools/install.sh
else
  bash tools/install.sh
fi
PY=.venv/bin/python

say "2/4 data"
if [ "$DATA" = fashion-mnist ]; then
  CONFIG=${CONFIG:-configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py}
  ROOT=data/fashion-mnist
  mkdir -p "$ROOT"
  for f in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
    out="$ROOT/$(basename "$f" .gz)"
    [ -s "$out" ] || gunzip -c "$f" > "$out"
  done
else
  CONFIG=${CONFIG:-configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py}
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
# (each loader is InMemoryImages(dataset); the k-NN memory is a SpreadSubset inside it)
DATA_OPTS=(train_dataloader.dataset.dataset.data_root="$ROOT/"
           knn_train_dataloader.dataset.dataset.dataset.data_root="$ROOT/"
           knn_test_dataloader.dataset.dataset.data_root="$ROOT/")
[ -f "$CONFIG" ] || { echo "CONFIG=$CONFIG: no such config file" >&2; exit 2; }
METHOD=$($PY -c 'import sys; from mmengine.config import Config; print(Config.fromfile(sys.argv[1]).model.type)' "$CONFIG")
echo "config: $CONFIG"
echo "data:   $ROOT"

say "3/4 $METHOD pre-training (work dir $WORK_DIR)"
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --cfg-options "${DATA_OPTS[@]}" "$@"
CKPT=$(cat "$WORK_DIR/last_checkpoint")

say "4/4 k-NN: trained vs random initialisation vs the pixels themselves"
knn() {  # knn NAME [CHECKPOINT] [options]: JSON and log in the work dir
  local name=$1; shift
  $PY tools/analysis/knn_eval.py "$CONFIG" "$@" --out "$WORK_DIR/knn_$name.json" \
      --cfg-options "${DATA_OPTS[@]}" > "$WORK_DIR/knn_$name.log"
}
knn raw_pixels --pixels raw
knn centred_pixels --pixels centred
knn random_init
knn trained "$CKPT"
$PY - "$WORK_DIR" "$METHOD" <<'PY'
import json, sys
d = sys.argv[1]
rows = [(sys.argv[2] + ' (' + json.load(open(f'{d}/knn_trained.json'))['checkpoint'].split('/')[-1] + ')',
         'knn_trained'), ('random init', 'knn_random_init'), ('raw pixels', 'knn_raw_pixels'),
        ('centred pixels', 'knn_centred_pixels')]
res = {name: json.load(open(f'{d}/{stem}.json')) for name, stem in rows}
first = res[rows[0][0]]
print(f"k-NN top-1 (weighted, cosine) on {first['num_test']} test images, memory of "
      f"{first['num_train']} training images; the network's {first['feature_dim']}-d pooled "
      "features against the same network at random initialisation and the pixel vectors:")
keys = list(first['weighted_knn'])
print(f"{'':28s}" + ''.join(f'{k:>16s}' for k in keys))
for name, _ in rows:
    print(f'  {name:26s}' + ''.join(f"{res[name]['weighted_knn'][k]:15.2f}%" for k in keys))
PY
# The linear probe (MEC's first metric) and the transfer to detection / segmentation take
# longer than the k-NN: the commands, for the same checkpoint and data.
echo
echo "Next, a linear probe beside the same baselines (a few minutes):"
echo "  $PY tools/analysis/linear_probe_table.py $CONFIG $CKPT --cfg-options ${DATA_OPTS[*]}"
if [ "$DATA" = fashion-mnist ]; then
  echo "and the transfer to detection and segmentation (full install; about an hour a seed):"
  echo "  $PY benchmarks/downstream_scenes.py --checkpoint $CKPT --data-root $ROOT"
fi
