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
# The main suite runs on MEC_TEST_WORKERS pytest-xdist workers (default: one per
# core, at most 4), each with one torch thread: two single-threaded tests on two
# cores beat one two-threaded test, whose threads wait for each other at every
# parallel operation. MEC_TEST_WORKERS=1 runs it in one process, as plain pytest.
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
if [ -n "${MEC_TEST_WORKERS:-}" ]; then
  WORKERS=$MEC_TEST_WORKERS
else  # each worker holds torch and the OpenMMLab stack (about 1 GB)
  WORKERS=$(nproc 2>/dev/null || echo 1)
  [ "$WORKERS" -gt 4 ] && WORKERS=4
fi
if [ "$WORKERS" -gt 1 ]; then
  # worksteal: an idle worker takes tests queued on the busy one; tests/conftest.py
  # puts the longest (minutes each) first, so they do not run alone at the end
  args=(-n "$WORKERS" --dist worksteal ${args[@]+"${args[@]}"})
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
fi

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
