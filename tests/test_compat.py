"""The fixes of mec_plugin.compat for the current stack."""
import os
import subprocess
import sys
import textwrap

import cv2
import mmcv
import numpy as np
import pytest
import torch

import mec_plugin  # noqa: F401
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


def test_mmpretrain_color_jitter_runs_with_negative_hue():
    from mmpretrain.registry import TRANSFORMS
    jitter = TRANSFORMS.build(dict(type='ColorJitter', hue=0.5))
    img = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    for _ in range(20):  # half of the sampled factors are negative
        assert jitter(dict(img=img.copy()))['img'].shape == img.shape
    assert mmcv.adjust_hue(img, -0.25).shape == img.shape


def test_runner_checkpoints_load_through_mmengine(tmp_path):
    from mmengine.logging import HistoryBuffer
    from mmengine.runner import CheckpointLoader
    path = tmp_path / 'ckpt.pth'
    buf = HistoryBuffer()
    buf.update(1.5)
    torch.save(dict(meta=dict(x=np.arange(3.)), message_hub=dict(loss=buf),
                    state_dict=dict(w=torch.ones(2))), path)
    with pytest.raises(Exception):  # what mmengine 0.10.7 alone runs into on torch >= 2.6
        torch.load(path)
    loaded = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert loaded['message_hub']['loss'].current() == 1.5
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))


def test_missing_checkpoint_is_named(tmp_path):
    from mmengine.runner import CheckpointLoader
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nope.pth'))


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
def test_transformers_5_breaks_mmpretrain_but_not_the_plugin(tmp_path):
    plain = run_with_fake_transformers_5(tmp_path, 'import mmpretrain.models')
    assert plain.returncode != 0, 'the upstream failure is gone: revisit mec_plugin.compat'
    with_plugin = run_with_fake_transformers_5(
        tmp_path, 'import mec_plugin, mmpretrain.models\n'
        'from mmpretrain.registry import MODELS\n'
        "print(MODELS.get('MEC').__name__, MODELS.get('BYOL').__name__)")
    assert with_plugin.returncode == 0, with_plugin.stderr[-2000:]
    assert 'MEC BYOL' in with_plugin.stdout
    assert 'transformers 5.0.0 is installed' in with_plugin.stderr


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
