#!/usr/bin/env bash
# The GPU figures in one call: install the carried wheels, run the loss, train-step
# and CIFAR-10 benchmarks within DEVICE_CHECK_SECONDS (default 450), and write their
# JSON records, the tables and a log under $OUT. See docs/dev/benchmarks.md.
#
#   on the GPU machine (.whl and .data carried):  OUT=DIR bash benchmarks/device_check.sh
#   anywhere, on the CPU at toy sizes:            OUT=DIR bash benchmarks/device_check.sh --dry-run
set -u -o pipefail
DRY=0
case "${1:-}" in
  --dry-run) DRY=1 ;;
  '') ;;
  *) echo "device_check.sh: unknown argument '$1' (the only option is --dry-run)" >&2; exit 2 ;;
esac
if [ -z "${OUT:-}" ]; then
  echo 'device_check.sh: set OUT to the folder that receives the results' >&2; exit 2
fi
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
START=$(date +%s)
BUDGET=${DEVICE_CHECK_SECONDS:-450}
exec > >(tee -a "$OUT/device_check.log") 2>&1
elapsed() { echo $(( $(date +%s) - START )); }
FAILED=()

source benchmarks/device_setup.sh
if [ $DRY = 1 ]; then
  DEV=(--device cpu --quick)
  LOSS=(); STEP=(--fused)
  CIFAR=(--epochs 2 --train-limit 240 --test-limit 40 --batch 40)
  BUDGET=${DEVICE_CHECK_SECONDS:-240}
else
  DEV=(--device cuda)
  LOSS=(--cuda-graph); STEP=(--channels-last --fused --sync-debug --warmup 5 --iters 20)
  CIFAR=(--channels-last --cpu-workers $(( $(nproc) - 2 )))
fi
echo "setup done at $(elapsed) s of $BUDGET"

step() {  # step NAME SECONDS CMD...: run with a time limit, keep going on failure
  local name=$1 limit=$2; shift 2
  echo "== $name (limit ${limit} s, at $(elapsed) s)"
  if ! timeout --kill-after=10 "$limit" "$@"; then
    echo "!! $name failed or ran out of time"; FAILED+=("$name")
  fi
}

step mec_loss 120 $PY benchmarks/mec_loss.py "${DEV[@]}" "${LOSS[@]}" --out "$OUT/mec_loss.json"
step train_step 200 $PY benchmarks/train_step.py "${DEV[@]}" "${STEP[@]}" --out "$OUT/train_step.json"
# what is left of the budget, less 20 s for the tables, goes to CIFAR-10; the
# script chooses its epochs from a timed probe to fit
LEFT=$(( BUDGET - $(elapsed) - 20 ))
if [ $LEFT -lt 30 ]; then
  echo "!! cifar: only ${LEFT} s left of the budget"; FAILED+=(cifar)
else
  step cifar $(( LEFT + 30 )) $PY benchmarks/cifar_time_to_accuracy.py "${DEV[@]}" "${CIFAR[@]}" \
    ${CIFAR_DATA:+--data-root "$CIFAR_DATA"} --time-budget $LEFT --out "$OUT/cifar_tta.json"
fi

RECORDS=$(ls "$OUT"/mec_loss.json "$OUT"/train_step.json "$OUT"/cifar_tta.json 2>/dev/null)
if [ -n "$RECORDS" ]; then
  $PY benchmarks/tables.py $RECORDS > "${OUT}/tables.md" || FAILED+=(tables)
fi
echo "device check done in $(elapsed) s; failed: ${FAILED[*]:-none}"
[ ${#FAILED[@]} = 0 ]
