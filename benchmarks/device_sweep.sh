#!/usr/bin/env bash
# A recipe sweep in one GPU call: install the carried wheels, unpack Fashion-MNIST from
# .data/fashion-mnist/*.gz, run benchmarks/recipe_sweep.py with several variants at once
# until SWEEP_SECONDS (default 290), and write the rows, the table, the online k-NN
# scalars and the training logs under $OUT. See docs/dev/benchmarks.md.
#
#   on the GPU machine (.whl and .data/fashion-mnist carried):
#       OUT=DIR bash benchmarks/device_sweep.sh [SWEEP.json]
#   anywhere, on the CPU at toy sizes:  OUT=DIR bash benchmarks/device_sweep.sh --dry-run [SWEEP.json]
set -u -o pipefail
DRY=0
[ "${1:-}" = --dry-run ] && { DRY=1; shift; }
SWEEP=${1:-benchmarks/sweeps/fashion_mnist_mec.json}
if [ -z "${OUT:-}" ]; then
  echo 'device_sweep.sh: set OUT to the folder that receives the results' >&2; exit 2
fi
[ -f "$SWEEP" ] || { echo "device_sweep.sh: no sweep file $SWEEP" >&2; exit 2; }
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
START=$(date +%s)
exec > >(tee -a "$OUT/device_sweep.log") 2>&1
source benchmarks/device_setup.sh

# FASHION_MNIST: a folder with the four uncompressed IDX files; otherwise they are
# unpacked from .data/fashion-mnist/ (or Debian's dataset-fashion-mnist) into data/
DATA=${FASHION_MNIST:-data/fashion-mnist}
if [ -z "${FASHION_MNIST:-}" ]; then
  mkdir -p "$DATA"
  for f in .data/fashion-mnist/*-ubyte.gz /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
    [ -f "$f" ] || continue
    out="$DATA/$(basename "$f" .gz)"
    [ -s "$out" ] || gunzip -c "$f" > "$out"
  done
fi
ls "$DATA"/train-images-idx3-ubyte > /dev/null || { echo "no Fashion-MNIST in $DATA"; exit 2; }
echo "setup done at $(( $(date +%s) - START )) s"

WORK=${SWEEP_WORK_DIR:-/tmp/sweep}
rm -rf "$WORK"
OPTS=(--jobs "${JOBS:-8}" --deadline "${SWEEP_SECONDS:-290}" --no-baselines)
[ $DRY = 1 ] && OPTS=(--jobs 2 --deadline "${SWEEP_SECONDS:-120}" --train-limit 512
                      --knn-train-limit 500 --no-baselines)
$PY benchmarks/recipe_sweep.py "$SWEEP" --data-root "$DATA" --work-dir "$WORK" "${OPTS[@]}" \
  --out "$OUT/sweep.json" --markdown "${OUT}/sweep.md" --force
RC=$?
# the logs and the monitor's scalars come back; checkpoints stay behind
for d in "$WORK"/*/; do
  name=$(basename "$d"); mkdir -p "$OUT/runs/$name"
  cp "$d"/train.log "$d"/config.py "$OUT/runs/$name/" 2>/dev/null
  cp "$d"/*/vis_data/scalars.json "$OUT/runs/$name/" 2>/dev/null
done
echo "device sweep done in $(( $(date +%s) - START )) s, exit $RC"
exit $RC
