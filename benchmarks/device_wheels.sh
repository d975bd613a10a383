#!/usr/bin/env bash
# Fill .whl/ with what an offline GPU machine (Python 3.12, its own torch) needs for
# benchmarks/device_check.sh: wheels of the OpenMMLab stack and its small
# dependencies, and the mmcv source (only its Python package is used there).
#   bash benchmarks/device_wheels.sh [PYTHON_VERSION, default 3.12]
set -eu
cd "$(dirname "$0")/.."
PYV=${1:-3.12}
mkdir -p .whl
grep -qx '/.whl/' .gitignore 2>/dev/null || grep -qx '/.whl/' .git/info/exclude 2>/dev/null \
  || echo '/.whl/' >> .git/info/exclude
OPTS=(--no-deps --only-binary=:all: --python-version "$PYV" --implementation cp -d .whl
      --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
for p in mmengine==0.10.7 mmpretrain==1.2.0 addict yapf platformdirs termcolor modelindex \
         model-index ordered-set markdown click mat4py importlib-metadata==8.7.0 \
         terminaltables prettytable wcwidth; do
  python3 -m pip download -q "${OPTS[@]}" "$p"
done
# pip reads the source's metadata with torch importable: the project's interpreter
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
"$PY" -m pip download -q --no-deps --no-binary=:all: --no-build-isolation -d .whl mmcv==2.1.0 \
  || { echo 'device_wheels.sh: could not fetch the mmcv source'; exit 1; }
du -sh .whl
