#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment in ./.venv:
# torch, mmcv 2.0.1 built with its ops, the OpenMMLab hosts and this plugin
# (editable). Idempotent: a second run on the same machine takes seconds,
# because the mmcv wheel it builds is kept in pip's cache directory.
#
#   bash tools/install.sh            # everything
#   WITH_FASHION_MNIST=1 bash tools/install.sh   # also apt-get the demo dataset
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
MMCV_VERSION=2.0.1
log() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($PY --version)"
  $PY -m venv .venv
fi
VPY=$ROOT/.venv/bin/python
# (sed drops the "Location ... is ignored" lines that some machines' pip
# configurations print for every package; it never fails the pipeline)
pip_() {
  "$VPY" -m pip --disable-pip-version-check -q "$@" -c "$ROOT/requirements/constraints.txt" \
    2> >(sed '/^WARNING: Location .* is ignored/d' >&2)
}

pip_ install "setuptools<81" wheel
if ! "$VPY" -c "import torch, torchvision" 2>/dev/null; then
  log "installing torch (about a minute)"
fi
pip_ install -r requirements/torch.txt

# --- mmcv with ops -----------------------------------------------------------
# mmcv 2.0.1's setup.py hard-codes -std=c++14; the installed torch decides the
# standard its headers need (torch 2.14: C++20), so we read it off the headers.
WHEEL_DIR=$("$VPY" -m pip cache dir 2>/dev/null || echo "$HOME/.cache/pip")/mec-plugin-wheels
TORCH_TAG=$("$VPY" -c "import torch; print(torch.__version__.split('+')[0])")
WHEEL_DIR=$WHEEL_DIR/torch-$TORCH_TAG
if ! "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  if ! ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION with ops against torch $TORCH_TAG (10-12 min on 2 cores, once per machine)"
    SRC=$(mktemp -d)
    pip_ download --no-deps --no-binary=:all: --no-build-isolation -d "$SRC" mmcv==$MMCV_VERSION
    tar xzf "$SRC"/mmcv-$MMCV_VERSION.tar.gz -C "$SRC"
    # the newest C++ standard that torch's own headers demand (ATen.h says it)
    INC=$("$VPY" -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'include'))")
    STD=c++17
    grep -rqs 'C++20 or later compatible compiler is required' "$INC/ATen/ATen.h" "$INC/c10/macros" && STD=c++20
    log "torch headers need -std=$STD"
    sed -i -E "s/-std=c\+\+1[47]/-std=$STD/g" "$SRC"/mmcv-$MMCV_VERSION/setup.py
    mkdir -p "$WHEEL_DIR"
    (cd "$SRC"/mmcv-$MMCV_VERSION && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "$VPY" -m pip --disable-pip-version-check wheel -q -c "$ROOT/requirements/constraints.txt" \
        --no-build-isolation --no-deps -w "$WHEEL_DIR" . 2> >(sed '/^WARNING: Location .* is ignored/d' >&2))
    rm -rf "$SRC"
  fi
  log "installing mmcv $MMCV_VERSION from $WHEEL_DIR"
  pip_ install mmengine  # brings mmcv's own dependencies (opencv, addict, yapf, ...)
  pip_ install --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl
fi

pip_ install -r requirements/runtime.txt -r requirements/tests.txt
pip_ install --no-deps --no-build-isolation -e .

if [ "${WITH_FASHION_MNIST:-0}" = 1 ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
  log "installing Debian's dataset-fashion-mnist"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
"$VPY" -c "import mmcv.ops, mmpretrain, mmdet, mec_plugin; print('[install] ok: torch', __import__('torch').__version__, '| mmcv', mmcv.__version__, '| mmpretrain', mmpretrain.__version__, '| mec_plugin', mec_plugin.__version__)"
