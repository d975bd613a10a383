from setuptools import find_packages, setup

setup(name='mec_plugin', version='0.1.0', packages=find_packages(include=['mec_plugin*']), python_requires='>=3.8')
