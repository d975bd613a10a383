#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment, ./.venv by default.
#
#   bash tools/install.sh         # core: torch, mmengine, mmcv-lite, mmpretrain, the plugin
#                                 # (editable); pre-training, evaluation, the main job
#   bash tools/install.sh --ops   # full: also mmcv built with its ops (replaces mmcv-lite),
#                                 # mmdet, mmsegmentation and the test tools
#   VENV=/tmp/env bash tools/install.sh          # another environment directory
#   WITH_FASHION_MNIST=1 bash tools/install.sh   # also apt-get the demo dataset
#
# Idempotent: a second run takes seconds. The mmcv wheel with ops is built once
# per machine and torch version and kept in pip's cache directory. A plain run on
# a full environment keeps it full (mmdet / mmseg need the ops).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
MMCV_VERSION=2.0.1
log() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

OPS=0
for arg in "$@"; do
  case $arg in
    --ops) OPS=1 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$arg' (options: --ops, --help)" >&2; exit 2 ;;
  esac
done

if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV with $($PY --version)"
  $PY -m venv "$VENV"
fi
VENV=$(cd "$VENV" && pwd)
VPY=$VENV/bin/python
# (sed drops the "Location ... is ignored" lines that some machines' pip
# configurations print for every package; it never fails the pipeline)
pip_() {
  "$VPY" -m pip --disable-pip-version-check -q "$@" -c "$ROOT/requirements/constraints.txt" \
    2> >(sed '/^WARNING: Location .* is ignored/d' >&2)
}
has_dist() { "$VPY" -I -c 'import importlib.metadata as m, sys; m.version(sys.argv[1])' "$1" 2>/dev/null; }

# mmcv and mmcv-lite both own site-packages/mmcv/: exactly one of them may be
# installed. The `mmcv` distribution means a full environment, which a plain
# run must not downgrade to mmcv-lite.
if [ "$OPS" = 0 ] && has_dist mmcv; then
  log "$VENV has mmcv with its ops (the full environment): keeping it, as with --ops"
  OPS=1
fi

# One pip call, one resolve (each call costs seconds even when nothing changes).
# On a fresh machine torch is most of the time.
REQS=(-r requirements/torch.txt -r requirements/runtime.txt)
if [ "$OPS" = 1 ]; then
  REQS+=(-r requirements/downstream.txt -r requirements/tests.txt)
else
  REQS+=("mmcv-lite==$MMCV_VERSION")
fi
has_dist torch || log "installing torch (about a minute)"
log "packages of the $([ "$OPS" = 1 ] && echo full || echo core) environment"
pip_ install "setuptools<81" wheel "${REQS[@]}"

# --- mmcv with ops (full environment only) ---------------------------------------
# mmcv 2.0.1's setup.py hard-codes -std=c++14; the installed torch decides the
# standard its headers need (torch 2.14: C++20), so we read it off the headers.
build_mmcv_wheel() {
  log "building mmcv $MMCV_VERSION with ops against torch $TORCH_TAG (10-12 min on 2 cores, once per machine)"
  local src
  src=$(mktemp -d)
  pip_ download --no-deps --no-binary=:all: --no-build-isolation -d "$src" mmcv==$MMCV_VERSION
  tar xzf "$src"/mmcv-$MMCV_VERSION.tar.gz -C "$src"
  # the newest C++ standard that torch's own headers demand (ATen.h says it)
  local inc std=c++17
  inc=$("$VPY" -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'include'))")
  grep -rqs 'C++20 or later compatible compiler is required' "$inc/ATen/ATen.h" "$inc/c10/macros" && std=c++20
  log "torch headers need -std=$std"
  sed -i -E "s/-std=c\+\+1[47]/-std=$std/g" "$src"/mmcv-$MMCV_VERSION/setup.py
  mkdir -p "$WHEEL_DIR"
  (cd "$src"/mmcv-$MMCV_VERSION && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    "$VPY" -m pip --disable-pip-version-check wheel -q -c "$ROOT/requirements/constraints.txt" \
      --no-build-isolation --no-deps -w "$WHEEL_DIR" . 2> >(sed '/^WARNING: Location .* is ignored/d' >&2))
  rm -rf "$src"
}

if [ "$OPS" = 1 ]; then
  TORCH_TAG=$("$VPY" -c "import torch; print(torch.__version__.split('+')[0])")
  WHEEL_DIR=$("$VPY" -m pip cache dir 2>/dev/null || echo "$HOME/.cache/pip")/mec-plugin-wheels/torch-$TORCH_TAG
  if has_dist mmcv-lite || ! "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
    # The wheel first: mmcv-lite stays in place while it builds, so a failed build, or a
    # job that imports mmcv in the meantime, still finds a working environment.
    ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl >/dev/null 2>&1 || build_mmcv_wheel
    if has_dist mmcv-lite; then
      # removing it also removes any mmcv file it had written over: mmcv is installed after it
      log "replacing mmcv-lite with mmcv $MMCV_VERSION built with its ops"
      "$VPY" -m pip --disable-pip-version-check -q uninstall -y mmcv-lite
    fi
    log "installing mmcv $MMCV_VERSION from $WHEEL_DIR"
    pip_ install --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl
  fi
fi

# The plugin, editable. Skipped when this checkout's current version is already
# installed that way: reinstalling would briefly unregister it for running jobs.
# (-I: the checkout's own mec_plugin.egg-info, in the working directory, is not it)
if ! "$VPY" -I - "$ROOT" 2>/dev/null <<'PY'
import importlib.metadata as md, json, runpy, sys
root = sys.argv[1]
dist = md.distribution('mec_plugin')
url = json.loads(dist.read_text('direct_url.json') or '{}')
version = runpy.run_path(f'{root}/mec_plugin/version.py')['__version__']
sys.exit(not (url.get('dir_info', {}).get('editable') and url.get('url') == f'file://{root}'
              and dist.version == version))
PY
then
  pip_ install --no-deps --no-build-isolation -e .
fi

if [ "${WITH_FASHION_MNIST:-0}" = 1 ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
  log "installing Debian's dataset-fashion-mnist"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

if [ "$OPS" = 1 ]; then
  CHECK='import mmcv.ops, mmpretrain, mmdet, mmseg, mec_plugin'
  KIND='full: mmcv with ops, mmdet, mmseg'
else
  CHECK='import mmcv, mmpretrain, mec_plugin'
  KIND='core: mmcv-lite; bash tools/install.sh --ops adds the ops, mmdet and mmseg'
fi
# (-W: mmcv-lite warns on import that it has no ops; that is what core means)
"$VPY" -W 'ignore:Fail to import ``MultiScaleDeformableAttention``:UserWarning' -c "$CHECK; print('[install] ok in', ${SECONDS}, 's ($KIND) in $VENV: torch', __import__('torch').__version__, '| mmcv', mmcv.__version__, '| mmpretrain', mmpretrain.__version__, '| mec_plugin', mec_plugin.__version__)"
