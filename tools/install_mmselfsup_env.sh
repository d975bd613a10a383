#!/usr/bin/env bash
# Set up (or check) the second test environment, ./.venv-mmselfsup: MMSelfSup
# 1.0.0 + mmcls 1.0.0rc6 on the same torch and mmcv 2.0.1, without mmpretrain
# (the two cannot be imported together beside mmdet: docs/hosts.md), with this
# plugin (editable) and pytest. tools/run_tests.sh calls it after
# `tools/install.sh --ops`, which builds the mmcv wheel this script reuses.
#
# Idempotent: when .venv-mmselfsup/.mec-plugin-env records the checksum of the
# requirement and constraint files, Python and the mmcv version, it exits at
# once; otherwise it (re)installs and writes that marker last, so an
# interrupted build is never taken for a complete one. To rebuild from
# scratch: rm -rf .venv-mmselfsup.
#   bash tools/install_mmselfsup_env.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
ENV=.venv-mmselfsup
MMCV_VERSION=2.0.1
MARKER=$ENV/.mec-plugin-env
log() { printf '\033[1m[install-mmselfsup]\033[0m %s\n' "$*"; }

STAMP=$({ "$PY" --version; echo "mmcv $MMCV_VERSION"; cat requirements/torch.txt \
  requirements/mmselfsup.txt requirements/tests.txt requirements/constraints.txt; } |
  sha256sum | cut -c1-16)
if [ -x "$ENV/bin/python" ] && [ -f "$MARKER" ] && [ "$(head -n 1 "$MARKER")" = "$STAMP" ]; then
  log "up to date: $(sed -n 2p "$MARKER")"
  exit 0
fi
rm -f "$MARKER"

if [ ! -x "$ENV/bin/python" ]; then
  log "creating $ENV with $("$PY" --version)"
  "$PY" -m venv "$ENV"
fi
VPY=$ROOT/$ENV/bin/python
pip_() {
  "$VPY" -m pip --disable-pip-version-check -q "$@" -c "$ROOT/requirements/constraints.txt" \
    2> >(sed '/^WARNING: Location .* is ignored/d' >&2)
}

pip_ install "setuptools<81" wheel
log "torch (from pip's cache / the local indexes)"
pip_ install -r requirements/torch.txt

# mmcv 2.0.1 with ops: the wheel `tools/install.sh --ops` built against this torch
TORCH_TAG=$("$VPY" -c "import torch; print(torch.__version__.split('+')[0])")
WHEEL_DIR=$("$VPY" -m pip cache dir 2>/dev/null || echo "$HOME/.cache/pip")/mec-plugin-wheels/torch-$TORCH_TAG
if ! "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  if ! ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl >/dev/null 2>&1; then
    log "no mmcv $MMCV_VERSION wheel for torch $TORCH_TAG in $WHEEL_DIR: run \`bash tools/install.sh --ops\` first (it builds the wheel)"
    exit 1
  fi
  log "installing mmcv $MMCV_VERSION from $WHEEL_DIR"
  pip_ install mmengine  # mmcv's own dependencies (opencv, addict, yapf, ...)
  pip_ install --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl
fi

log "mmcls, mmselfsup, pytest"
pip_ install -r requirements/mmselfsup.txt -r requirements/tests.txt
pip_ install --no-deps --no-build-isolation -e .

"$VPY" - <<'PY'
import importlib.util
assert importlib.util.find_spec('mmpretrain') is None, 'mmpretrain must not be installed here'
import mmcv.ops, mmselfsup.models, mec_plugin  # noqa: E401,F401
assert mec_plugin.host.HOST == 'mmselfsup', mec_plugin.host.HOST
PY
VERSIONS=$("$VPY" -c "import torch, mmcv, mmengine, mmcls, mmselfsup, mec_plugin; print('torch', torch.__version__, '| mmcv', mmcv.__version__, '| mmengine', mmengine.__version__, '| mmcls', mmcls.__version__, '| mmselfsup', mmselfsup.__version__, '| mec_plugin', mec_plugin.__version__)")
printf '%s\n%s\n' "$STAMP" "$VERSIONS" > "$MARKER"
log "ok: $VERSIONS"
