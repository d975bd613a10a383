#!/usr/bin/env bash
# The test command: set up the environment if needed (idempotent; seconds
# once the mmcv wheel is cached), then run the test suite on the CPU.
#   bash tools/run_tests.sh            # everything
#   bash tools/run_tests.sh -k mec_loss -x
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
exec .venv/bin/python -m pytest "$@"
