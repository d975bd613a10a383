#!/usr/bin/env bash
# The test command: set up the environments if needed (idempotent; seconds
# once they exist), then run the test suite on the CPU in the main environment
# (.venv, the full install: mmcv with its ops, mmpretrain, mmdet, mmseg, pytest;
# a core .venv is upgraded in place) and, after it, the MMSelfSup 1.x host tests
# (tests_mmselfsup/) in the second one (.venv-mmselfsup, docs/hosts.md).
# Arguments go to the main suite's pytest. Exit status: non-zero when a build
# fails or a test fails in either environment.
# --fast: the fast tier while editing -- the main suite without the tests marked
# `slow` (pytest -m "not slow": no spawned processes, Runner training beyond a
# few iterations, wheel builds or end-to-end script runs) and without the
# MMSelfSup host tests (a second environment, which --fast never builds).
#   bash tools/run_tests.sh                        # everything (what CI runs)
#   bash tools/run_tests.sh --fast                 # the fast tier (main environment only)
#   bash tools/run_tests.sh --fast -k mec_loss     # ... filtered
#   bash tools/run_tests.sh -k mec_loss -x         # main suite filtered (+ MMSelfSup tests)
#   MEC_SKIP_MMSELFSUP=1 bash tools/run_tests.sh -k mec_loss   # main environment only
#   bash tools/install_mmselfsup_env.sh && .venv-mmselfsup/bin/python -m pytest tests_mmselfsup
#                                                  # MMSelfSup environment only
set -euo pipefail
cd "$(dirname "$0")/.."
FAST=0
args=()
for arg in "$@"; do
  if [ "$arg" = --fast ]; then FAST=1; else args+=("$arg"); fi
done
bash tools/install.sh --ops  # the suite covers the mmdet / mmseg benchmarks
WITH_MMSELFSUP=1
[ "${MEC_SKIP_MMSELFSUP:-0}" = 1 ] && WITH_MMSELFSUP=0
[ "$FAST" = 1 ] && WITH_MMSELFSUP=0
[ "$WITH_MMSELFSUP" = 1 ] && bash tools/install_mmselfsup_env.sh
[ "$FAST" = 1 ] && args=(-m 'not slow' ${args[@]+"${args[@]}"})

status=0
.venv/bin/python -m pytest ${args[@]+"${args[@]}"} || status=$?
if [ "$WITH_MMSELFSUP" = 1 ]; then
  printf '\033[1m[run_tests]\033[0m MMSelfSup 1.x host tests in .venv-mmselfsup\n'
  mstatus=0
  .venv-mmselfsup/bin/python -m pytest tests_mmselfsup -q || mstatus=$?
  if [ "$mstatus" != 0 ]; then
    printf '\033[1m[run_tests]\033[0m MMSelfSup tests failed (exit %s)\n' "$mstatus"
    [ "$status" = 0 ] && status=$mstatus
  fi
elif [ "$FAST" = 1 ]; then
  printf '\033[1m[run_tests]\033[0m --fast: slow tests and MMSelfSup 1.x host tests skipped (bash tools/run_tests.sh runs everything)\n'
else
  printf '\033[1m[run_tests]\033[0m MEC_SKIP_MMSELFSUP=1: MMSelfSup 1.x host tests skipped\n'
fi
exit "$status"
