"""mec-plugin: Maximum Entropy Coding and its comparators for OpenMMLab.

The ``mmcv`` module comes from either the ``mmcv`` distribution (compiled ops,
needed by mmdet / mmseg) or ``mmcv-lite`` (enough for pre-training), so neither
distribution is required here; ``import mec_plugin`` checks the mmcv version
and says what to install (``mec_plugin.compat.check_mmcv_version``).
"""
import os.path as osp

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    scope: dict = {}
    with open(osp.join(ROOT, 'mec_plugin', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_readme() -> str:
    path = osp.join(ROOT, 'README.md')
    if not osp.exists(path):
        return ''
    with open(path, encoding='utf-8') as f:
        return f.read()


setup(
    name='mec_plugin',
    version=read_version(),
    description=('Maximum Entropy Coding self-supervised learning and its comparators '
                 '(DISSL, CISSL, MoCo for small networks, CMC) for MMPretrain'),
    long_description=read_readme(),
    long_description_content_type='text/markdown',
    author='mec-plugin contributors',
    license='Apache-2.0',
    license_files=['LICENSE', 'NOTICE'],
    packages=find_packages(include=['mec_plugin', 'mec_plugin.*']),
    python_requires='>=3.8',
    install_requires=[
        # torch.serialization.get_safe_globals (the safe checkpoint loader); tested 2.14.1
        'torch>=2.5',
        'mmengine>=0.10.0,<1.0.0',
        'mmpretrain>=1.2.0,<2.0.0',
        'model-index',  # `import mmpretrain` needs `modelindex`
        'numpy',
        'Pillow',
    ],
    extras_require={
        'det': ['mmdet>=3.3.0,<4.0.0'],
        'seg': ['mmsegmentation>=1.2.2,<2.0.0', 'ftfy', 'regex'],
        'analysis': ['scikit-learn', 'tensorboard', 'matplotlib', 'scipy'],
        'tests': ['pytest', 'pytest-timeout'],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    zip_safe=False,
)
