# Sourced by the device scripts: on the GPU machine, make the carried wheels in .whl/
# importable (mmcv without its ops, no build) and set PY; with DRY=1, use the project's
# interpreter instead. Sets PY and exports PYTHONPATH.
if [ "${DRY:-0}" = 1 ]; then
  PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
else
  PY=python3
  if ! python3 -c 'import mmengine, mmpretrain, mmcv' 2>/dev/null; then
    ls .whl/*.whl > /dev/null 2>&1 || { echo 'no wheels in .whl/ (see docs/dev/benchmarks.md)'; exit 2; }
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target /tmp/site .whl/*.whl || exit 2
    # mmcv without its compiled ops: pre-training and these benchmarks use none
    if [ ! -d /tmp/site/mmcv ]; then
      SRC=$(ls .whl/mmcv-*.tar.gz 2>/dev/null | head -1)
      [ -n "$SRC" ] || { echo 'no mmcv wheel or mmcv-*.tar.gz in .whl/'; exit 2; }
      rm -rf /tmp/mmcv-src && mkdir -p /tmp/mmcv-src && tar xzf "$SRC" -C /tmp/mmcv-src --strip-components=1
      cp -r /tmp/mmcv-src/mmcv /tmp/site/mmcv
    fi
    # pycocotools lets mmpretrain import its multimodal models, which break under transformers 5
    rm -rf /tmp/site/pycocotools*
  fi
  export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
fi
export PYTHONUNBUFFERED=1
$PY -c 'import sys, torch, mmengine, mmpretrain, mmcv; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "mmengine", mmengine.__version__, "mmpretrain", mmpretrain.__version__, "mmcv", mmcv.__version__)' \
  || { echo 'the stack does not import'; exit 2; }
