"""The fixes of mec_plugin.compat for the current stack."""
import os
import subprocess
import sys
import textwrap

import cv2
import mmcv
import mmpretrain
import numpy as np
import pytest
import torch

import mec_plugin  # noqa: F401
from _upstream import UpstreamBug, upstream_bug
from mec_plugin.compat import _hue_shift, adjust_hue

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))


def reference_hue(img_bgr, shift):
    """Independent reference: rotate OpenCV's full-range hue by `shift` (mod 256)."""
    hsv = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2HSV_FULL).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + shift) % 256
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR_FULL)


@pytest.mark.parametrize('factor,shift', [(0.1, 25), (-0.02, 251), (-0.5, 129), (0.0, 0),
                                          (0.5, 127)])
def test_hue_shift_matches_numpy_1_casting(factor, shift):
    assert _hue_shift(factor) == shift


@pytest.mark.parametrize('factor', [-0.1, -0.37, 0.2])
def test_adjust_hue_rotates_the_hue_channel(factor):
    img = np.random.default_rng(0).integers(0, 256, (8, 9, 3), dtype=np.uint8)
    np.testing.assert_array_equal(adjust_hue(img, factor, backend='cv2'),
                                  reference_hue(img, _hue_shift(factor)))
    out = adjust_hue(img, factor, backend='pillow')
    assert out.shape == img.shape and out.dtype == np.uint8


# Hand-computed with numpy 1's semantics, which mmcv's code relied on:
# np.uint8(factor * 255) truncates toward 0 and wraps modulo 256, and the uint8
# hue channel (0-255 for 0-360 degrees) wraps on addition. Pure red (hue 0,
# S = V = 255) shifted by s lands at position 6 s / 255 of the colour hexagon;
# both cv2 (HSV_FULL) and Pillow convert back with that scale.
RED = (0, 0, 255)  # BGR
HUE_CASES = [  # factor, shift, BGR result
    (-0.1, 231, (144, 0, 255)),  # -25.5 -> -25 -> 231: 5.435, B = 255 (1 - 0.435) = 144
    (0.1, 25, (0, 150, 255)),  # 0.588: G = 255 x 0.588 = 150
    (-0.5, 129, (255, 246, 0)),  # -127.5 -> -127 -> 129: 3.035, G = 255 (1 - 0.035) = 246
    (0.5, 127, (252, 255, 0)),  # 2.988: B = 255 x 0.988 = 252 (not the -0.5 colour)
]


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
@pytest.mark.parametrize('factor,shift,bgr', HUE_CASES)
def test_adjust_hue_matches_hand_computed_numpy_1_values(factor, shift, bgr, backend):
    assert _hue_shift(factor) == shift
    out = mmcv.adjust_hue(np.array([[RED]], np.uint8), factor, backend=backend)
    assert tuple(int(v) for v in out[0, 0]) == bgr


@pytest.mark.parametrize('backend,bgr', [
    # cv2 reads hue on a 256 scale (326.1 deg -> 231.9 -> 232) and writes it on a
    # 255 scale: 232 + 25 = 257 wraps to 1, G = 255 x 6 / 255 = 6
    ('cv2', (0, 6, 255)),
    # Pillow uses 255 both ways: 231 + 25 = 256 wraps to 0, red again
    ('pillow', RED),
])
def test_adjust_hue_wraps_around_past_255(backend, bgr):
    magenta = np.array([[(144, 0, 255)]], np.uint8)  # the -0.1 result above
    assert tuple(int(v) for v in adjust_hue(magenta, 0.1, backend=backend)[0, 0]) == bgr


def test_an_unknown_backend_is_refused_as_mmcv_does():
    img = np.zeros((2, 2, 3), np.uint8)
    assert mmcv.adjust_hue is adjust_hue  # installed: numpy 2 broke mmcv's own
    with pytest.raises(ValueError, match="backend: turbojpeg is not supported.Supported "
                                         "backends are 'cv2', 'pillow'"):
        mmcv.adjust_hue(img, 0.1, backend='turbojpeg')


@upstream_bug(f'mmcv {mmcv.__version__} under numpy {np.__version__}: adjust_hue casts a '
              'negative hue shift to uint8 (OverflowError); an XPASS means mmcv works alone and '
              'mec_plugin.compat.fix_mmcv_adjust_hue_for_numpy_2 can go')
@pytest.mark.slow  # fresh interpreters
def test_mmcv_alone_takes_a_negative_hue_under_numpy_2():
    code = ('import numpy as np, mmcv\n'
            'mmcv.adjust_hue(np.zeros((2, 2, 3), np.uint8), -0.1, backend="cv2")')
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=300)
    if int(np.__version__.split('.')[0]) < 2:
        pytest.skip('numpy 1: mmcv works, the plugin leaves it alone')
    if res.returncode != 0:
        assert 'OverflowError' in res.stderr, res.stderr[-2000:]  # not the bug: a real failure
        raise UpstreamBug('mmcv.adjust_hue(-0.1) raises OverflowError without the plugin')


def test_mmpretrain_color_jitter_runs_with_negative_hue():
    from mmpretrain.registry import TRANSFORMS
    jitter = TRANSFORMS.build(dict(type='ColorJitter', hue=(-0.5, -0.01)))  # negative only
    img = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    for _ in range(5):
        out = jitter(dict(img=img.copy()))['img']
        assert out.shape == img.shape and not np.array_equal(out, img)
    assert mmcv.adjust_hue(img, -0.25).shape == img.shape


FAKE_TRANSFORMERS_5 = textwrap.dedent('''
    # stands in for transformers 5: importable, but without what mmpretrain's BLIP needs
    __version__ = '5.0.0'
''')


def run_with_fake_transformers_5(tmp_path, code):
    site = tmp_path / 'fake_site'
    (site / 'transformers').mkdir(parents=True, exist_ok=True)
    (site / 'transformers' / '__init__.py').write_text(FAKE_TRANSFORMERS_5)
    dist = site / 'transformers-5.0.0.dist-info'
    dist.mkdir(exist_ok=True)
    (dist / 'METADATA').write_text('Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), ROOT]))
    return subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(
    __import__('importlib').util.find_spec('pycocotools') is None,
    reason='mmpretrain enables its multimodal models only with pycocotools installed')
@pytest.mark.slow  # fresh interpreters
def test_transformers_5_does_not_break_the_plugin(tmp_path):
    with_plugin = run_with_fake_transformers_5(
        tmp_path, 'import mec_plugin, mmpretrain.models\n'
        'from mmpretrain.registry import MODELS\n'
        "print(MODELS.get('MEC').__name__, MODELS.get('BYOL').__name__)")
    assert with_plugin.returncode == 0, with_plugin.stderr[-2000:]
    assert 'MEC BYOL' in with_plugin.stdout
    assert 'transformers 5.0.0 is installed' in with_plugin.stderr


@pytest.mark.skipif(
    __import__('importlib').util.find_spec('pycocotools') is None,
    reason='mmpretrain enables its multimodal models only with pycocotools installed')
@upstream_bug(f'mmpretrain {mmpretrain.__version__}: `import mmpretrain.models` fails when '
              'transformers 5 is installed (BLIP imports what transformers 5 removed); an XPASS '
              'means mec_plugin.compat.disable_mmpretrain_multimodal_if_transformers_5 can go')
@pytest.mark.slow  # fresh interpreters
def test_mmpretrain_imports_with_transformers_5(tmp_path):
    plain = run_with_fake_transformers_5(tmp_path, 'import mmpretrain.models')
    if plain.returncode != 0:
        raise UpstreamBug('import mmpretrain.models fails with transformers 5.0.0 installed')


@pytest.mark.slow  # fresh interpreters
def test_a_real_import_error_is_not_hidden(tmp_path):
    # transformers 4 that fails to import must still fail loudly
    site = tmp_path / 'broken'
    (site / 'transformers').mkdir(parents=True)
    (site / 'transformers' / '__init__.py').write_text("raise ImportError('broken install')\n")
    dist = site / 'transformers-4.40.0.dist-info'
    dist.mkdir()
    (dist / 'METADATA').write_text('Metadata-Version: 2.1\nName: transformers\nVersion: 4.40.0\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), ROOT]))
    code = ('import importlib.util, sys\n'
            "if importlib.util.find_spec('pycocotools') is None: sys.exit(7)\n"
            'import mec_plugin')
    res = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True,
                         timeout=300)
    if res.returncode == 7:
        pytest.skip('no pycocotools: mmpretrain never imports transformers')
    assert res.returncode != 0 and 'broken install' in res.stderr
