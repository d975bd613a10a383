"""Make the tested stack usable on current installs, before mmpretrain loads.

Three known breakages (README "Known incompatibilities"), the mmcv version
check (:func:`check_mmcv_version`) and the downstream tools' check for mmcv's
compiled ops (:func:`require_mmcv_ops`):

* transformers >= 5: mmpretrain 1.2.0 turns on its multimodal models when
  ``transformers>=4.28`` and ``pycocotools`` are installed, and the BLIP code
  then fails to import against transformers 5 (``TypeError: NoneType takes no
  arguments``), which takes ``import mmpretrain`` down with it. If the plugin
  is imported first, we decide the flag ourselves -- only for that exact
  condition (transformers major version >= 5), with a warning, and without
  catching any error.
* torch >= 2.6 loads with ``weights_only=True`` and mmengine 0.10.7 does not
  pass the globals its Runner checkpoints pickle (``HistoryBuffer``, numpy
  arrays), so ``--resume``, ``load_from`` and ``init_cfg=Pretrained`` fail:
  :mod:`mec_plugin.utils.safe_checkpoint` registers a loader that allows
  exactly those, and nothing more unless the user opts in.
* numpy >= 2 with mmcv 2.0.x: ``mmcv.adjust_hue`` (mmpretrain's ``ColorJitter``)
  computes ``np.uint8(hue_factor * 255)``, which raises ``OverflowError`` for
  every negative hue factor under numpy 2's casting rules -- half of all
  ColorJitter calls of an SSL pipeline. If a probe call fails that way, we
  install a version that shifts the hue channel by the same amount, modulo
  256, as numpy 1 did.
"""
import importlib.metadata
import importlib.util
import os.path as osp
import sys
import warnings


# mmpretrain 1.2.0 asserts mmcv >= 2.0.0, < 2.4.0 at import; mmdet 3.3.0 and
# mmsegmentation 1.2.2 accept < 2.2.0. The tested stack is mmcv 2.0.1.
MMCV_MIN, MMCV_MAX, MMCV_DOWNSTREAM_MAX = (2, 0, 0), (2, 4, 0), (2, 2, 0)


def _version_tuple(version: str) -> tuple:
    """(major, minor, patch) of a version string ('2.0.1', '2.1.0rc1' -> (2, 1, 0))."""
    parts = []
    for piece in version.split('+')[0].split('.')[:3]:
        digits = ''
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (3 - len(parts)))


def check_mmcv_version() -> str:
    """The mmcv version, or an ImportError that says which mmcv to install.

    Either distribution provides the ``mmcv`` module: ``mmcv-lite`` (no compiled
    ops; enough for pre-training and the evaluation tools) or ``mmcv`` (with
    ops; needed by mmdet / mmseg), so the package metadata names neither and the
    version is checked here. Outside mmpretrain's range it is an error; 2.2 and
    2.3 (mmpretrain only) give a warning that mmdet / mmseg will refuse them.
    """
    try:
        import mmcv
    except ModuleNotFoundError as err:
        if err.name != 'mmcv':
            raise
        raise ImportError(
            'mec_plugin needs mmcv >= 2.0.0, < 2.4.0 (< 2.2.0 with mmdet / mmseg; tested: '
            '2.0.1), which is not '
            'installed: `pip install mmcv-lite==2.0.1` is enough for pre-training and '
            'the evaluation tools; the mmdet / mmseg benchmarks need `mmcv` built with '
            'its ops (`bash tools/install.sh --ops` builds it)') from err
    version = getattr(mmcv, '__version__', '0')
    found = _version_tuple(version)
    if not MMCV_MIN <= found < MMCV_MAX:
        raise ImportError(
            f'mec_plugin needs mmcv >= 2.0.0, < 2.4.0 (< 2.2.0 with mmdet / mmseg; tested: '
            f'2.0.1); mmcv {version} '
            f'is installed (from {getattr(mmcv, "__file__", "?")}). mmpretrain 1.2.0 '
            'accepts < 2.4.0, mmdet 3.3.0 and mmsegmentation 1.2.2 < 2.2.0: install '
            'mmcv 2.0.1 (or mmcv-lite 2.0.1 without the mmdet / mmseg benchmarks)')
    if found >= MMCV_DOWNSTREAM_MAX:
        warnings.warn(
            f'mec_plugin: mmcv {version} works with mmpretrain, but mmdet 3.3.0 and '
            'mmsegmentation 1.2.2 refuse mmcv >= 2.2.0, so the detection / '
            'segmentation benchmarks will not run; the tested mmcv is 2.0.1',
            stacklevel=2)
    return version


def _module_exists(name: str) -> bool:
    """Whether ``name`` can be found, without importing it (its parents are imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a parent package is missing or fails to import
        return False


def require_mmcv_ops(what: str, *packages: str) -> None:
    """Stop with one line that names the fix when mmcv's compiled ops are missing.

    The core install (``bash tools/install.sh``) has ``mmcv-lite``: the ``mmcv``
    module without ``mmcv._ext``, enough for pre-training and the evaluation
    tools, but mmdet and mmseg import ``mmcv.ops``. The downstream launchers
    call this first (``what``: e.g. ``'the mmdet benchmarks'``; ``packages``:
    modules they need too, e.g. ``'mmdet'``), so that a core environment stops
    before any work with a ``SystemExit`` instead of a traceback from deep
    inside mmdet.
    """
    missing = [] if _module_exists('mmcv._ext') else [
        'mmcv built with its ops (mmcv.ops; mmcv-lite has none)']
    missing += [name for name in packages if not _module_exists(name)]
    if missing:
        raise SystemExit(
            f'{what} need {" and ".join(missing)}: run `bash tools/install.sh --ops` for the '
            'full environment (in an environment of your own: mmcv 2.0.1 with its ops, then '
            "`pip install -e '.[det,seg]'`)")
    try:
        import mmcv.ops  # noqa: F401  (present, but built against another torch?)
    except (ImportError, OSError) as err:
        reason = ' '.join(str(err).split())
        raise SystemExit(
            f"{what} need mmcv's compiled ops, which are installed but do not load ({reason}): "
            'run `bash tools/install.sh --ops` to reinstall them for this torch') from err


DOWNSTREAM_SCOPES = ('mmdet', 'mmseg')


def require_config_host(cfg, tool: str) -> None:
    """An mmdet / mmseg config (its ``default_scope``) needs the full environment.

    ``tools/train.py`` and ``tools/test.py`` call this before building anything, so a
    detection config run in the core environment stops with the same one line as the
    benchmark launchers instead of a registry error.
    """
    scope = cfg.get('default_scope')
    if scope in DOWNSTREAM_SCOPES:
        require_mmcv_ops(f'{scope} configs (default_scope={scope!r}) in {tool}', scope)


def _major(version: str) -> int:
    try:
        return int(version.split('.')[0])
    except ValueError:
        return 0


def disable_mmpretrain_multimodal_if_transformers_5() -> bool:
    """Returns True when mmpretrain's multimodal models were switched off."""
    if 'mmpretrain.utils.dependency' in sys.modules:
        return False  # mmpretrain already decided (or was already imported)
    try:
        version = importlib.metadata.version('transformers')
    except importlib.metadata.PackageNotFoundError:
        return False
    if _major(version) < 5:
        return False
    spec = importlib.util.find_spec('mmpretrain')  # does not import it
    if spec is None or spec.origin is None:
        return False
    path = osp.join(osp.dirname(spec.origin), 'utils', 'dependency.py')
    dep_spec = importlib.util.spec_from_file_location('mmpretrain.utils.dependency', path)
    module = importlib.util.module_from_spec(dep_spec)
    dep_spec.loader.exec_module(module)  # imports only mmengine and stdlib
    if not module.WITH_MULTIMODAL:
        return False
    module.WITH_MULTIMODAL = False
    sys.modules['mmpretrain.utils.dependency'] = module
    warnings.warn(
        f'mec_plugin: transformers {version} is installed, but the multimodal '
        "models of mmpretrain 1.2.0 (BLIP, CLIP, ...) need 'transformers<5' "
        'and would break `import mmpretrain.models`; they are disabled in '
        'this process. Everything else in mmpretrain works.', stacklevel=2)
    return True


def _hue_shift(hue_factor: float) -> int:
    """The uint8 hue shift numpy 1 produced: truncate toward 0, wrap mod 256."""
    return int(hue_factor * 255) % 256


def adjust_hue(img, hue_factor: float, backend=None):
    """``mmcv.adjust_hue`` for numpy >= 2 (same arguments, same results)."""
    import cv2
    import numpy as np
    from mmcv.image import io as mmcv_io
    from PIL import Image

    if backend is None:
        backend = mmcv_io.imread_backend
    if backend not in ('cv2', 'pillow'):  # mmcv's own check, message and type
        raise ValueError(f'backend: {backend} is not supported.'
                         f"Supported backends are 'cv2', 'pillow'")
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor:{hue_factor} is not in [-0.5, 0.5].')
    if not (isinstance(img, np.ndarray) and img.ndim in (2, 3)):
        raise TypeError('img should be ndarray with dim=[2 or 3].')
    shift = _hue_shift(hue_factor)
    if backend == 'pillow':
        assert img.dtype == np.uint8, 'Pillow backend only support uint8 type'
        h, s, v = Image.fromarray(img[..., ::-1], mode='RGB').convert('HSV').split()
        h = ((np.asarray(h, dtype=np.int16) + shift) % 256).astype(np.uint8)
        rgb = Image.merge('HSV', (Image.fromarray(h, 'L'), s, v)).convert('RGB')
        return np.array(rgb, dtype=img.dtype)[..., ::-1]
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_BGR2HSV_FULL)
    hsv[..., 0] = ((hsv[..., 0].astype(np.int16) + shift) % 256).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(img.dtype)


def fix_mmcv_adjust_hue_for_numpy_2() -> bool:
    """Install :func:`adjust_hue` if mmcv's own one fails a negative hue."""
    import mmcv
    import mmcv.image
    import mmcv.image.photometric
    import numpy as np

    if mmcv.adjust_hue is adjust_hue:
        return False
    try:
        mmcv.adjust_hue(np.zeros((2, 2, 3), np.uint8), -0.1, backend='cv2')
        return False
    except OverflowError:
        pass
    mmcv.adjust_hue = mmcv.image.adjust_hue = mmcv.image.photometric.adjust_hue = adjust_hue
    return True
