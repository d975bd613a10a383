"""Image-loading errors name the file and say why, in every plugin config."""
import glob
import os
import re

import numpy as np
import pytest
from PIL import Image

import mec_plugin  # noqa: F401
from mec_plugin.datasets import ImageLoadError, LoadImageFromFileChecked

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# Configs of other hosts' registries: mmdet / mmseg pipelines (their own
# loaders) and the MMSelfSup-1.x compatibility config.
OTHER_HOSTS = ('benchmarks/mmdetection/', 'benchmarks/mmsegmentation/', 'mmselfsup/')


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
def test_an_empty_image_is_named_with_its_reason(tmp_path, backend):
    path = tmp_path / 'empty.png'
    path.write_bytes(b'')
    with pytest.raises(ImageLoadError, match=r"cannot load image '.*empty\.png': the file is "
                                             r"empty \(0 bytes\)"):
        LoadImageFromFileChecked(imdecode_backend=backend)(dict(img_path=str(path)))


def test_a_good_image_still_loads(tmp_path):
    path = str(tmp_path / 'ok.png')
    Image.fromarray(np.full((4, 5, 3), 7, np.uint8)).save(path)
    assert LoadImageFromFileChecked()(dict(img_path=path))['img'].shape == (4, 5, 3)


def test_every_plugin_config_loads_images_with_the_checked_loader():
    plain = []
    for path in glob.glob(os.path.join(ROOT, 'configs', '**', '*.py'), recursive=True):
        rel = os.path.relpath(path, os.path.join(ROOT, 'configs'))
        if rel.startswith(OTHER_HOSTS):
            continue
        if re.search(r"type=['\"]LoadImageFromFile['\"]", open(path).read()):
            plain.append(rel)
    assert plain == [], f'configs loading images with mmcv\'s unchecked loader: {plain}'
