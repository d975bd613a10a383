"""The package metadata: a wheel built from setup.py installs into a fresh
environment and ``import mec_plugin`` works there from the installed files; the
mmcv check at import names what to install."""
import email
import os
import shutil
import subprocess
import sys
import sysconfig
import types
import zipfile

import pytest

from mec_plugin import compat

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))


def _run(cmd, cwd, **kwargs):
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PIP_REQUIRE_VIRTUALENV')}
    env['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=240,
                          **kwargs)
    assert proc.returncode == 0, f'{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """A wheel built from a copy of the sources (the build leaves the repo untouched)."""
    src = tmp_path_factory.mktemp('src')
    for name in ('setup.py', 'README.md', 'LICENSE', 'NOTICE'):
        shutil.copy(os.path.join(ROOT, name), src / name)
    shutil.copytree(os.path.join(ROOT, 'mec_plugin'), src / 'mec_plugin',
                    ignore=shutil.ignore_patterns('__pycache__'))
    out = tmp_path_factory.mktemp('wheel')
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
          '-w', str(out), str(src)], cwd=str(src))
    wheels = list(out.glob('mec_plugin-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow  # builds the wheel
def test_wheel_metadata_names_the_hosts_and_extras_but_no_mmcv_distribution(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith('.dist-info/METADATA'))
        meta = email.message_from_string(zf.read(meta_name).decode())
    import mec_plugin
    assert meta['Name'] == 'mec_plugin' and meta['Version'] == mec_plugin.__version__
    requires = meta.get_all('Requires-Dist')
    plain = {r.split(';')[0].split('>')[0].split('<')[0].split('=')[0].strip().lower()
             for r in requires if 'extra ==' not in r}
    assert {'torch', 'mmengine', 'mmpretrain', 'numpy'} <= plain
    assert not any(r.lower().startswith(('mmcv', 'mmcv-lite')) for r in requires), requires

    def extra(name):
        return {r.split(';')[0].strip() for r in requires if f'extra == "{name}"' in r}

    assert any(r.startswith('mmdet') for r in extra('det'))
    assert any(r.startswith('mmsegmentation') for r in extra('seg'))
    assert {r.split('>')[0].split('=')[0] for r in extra('analysis')} >= {'scikit-learn',
                                                                           'tensorboard'}
    assert meta['License-Expression'] == 'Apache-2.0' or meta['License'] == 'Apache-2.0'
    # every module of the package, the license files, and no configs (not a package)
    modules = {os.path.relpath(os.path.join(d, f), ROOT).replace(os.sep, '/')
               for d, _, files in os.walk(os.path.join(ROOT, 'mec_plugin'))
               for f in files if f.endswith('.py')}
    assert modules <= set(names), sorted(modules - set(names))
    assert any(n.endswith('licenses/LICENSE') or n.endswith('/LICENSE') for n in names)
    assert any(n.endswith('NOTICE') for n in names)
    assert not any(n.startswith('configs/') for n in names)


@pytest.mark.slow  # builds the wheel
def test_the_wheel_installs_into_a_fresh_environment_and_imports_from_there(wheel, tmp_path):
    env_dir = tmp_path / 'env'
    # a fresh venv (no pip: fast) that sees the stack of this one through a .pth line;
    # a .pth line adds a directory without running that directory's own .pth files,
    # so this environment's editable install of the plugin stays out of it
    _run([sys.executable, '-m', 'venv', '--without-pip', str(env_dir)], cwd=str(tmp_path))
    py = env_dir / 'bin' / 'python'
    fresh_site = _run([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                      cwd=str(tmp_path)).stdout.strip()
    stack_site = sysconfig.get_paths()['purelib']
    assert os.path.realpath(fresh_site) != os.path.realpath(stack_site)
    with open(os.path.join(fresh_site, 'zz_stack.pth'), 'w') as f:
        f.write(stack_site + '\n')
    _run([str(py), '-m', 'pip', 'install', '-q', '--no-deps', '--ignore-installed',
          '--no-index', str(wheel)], cwd=str(tmp_path))
    outside = tmp_path / 'elsewhere'
    outside.mkdir()
    probe = ('import os, mec_plugin, mmpretrain.registry as r; '
             'print(os.path.realpath(mec_plugin.__file__)); '
             'print(r.MODELS.get("MEC") is mec_plugin.MEC, mec_plugin.__version__)')
    lines = _run([str(py), '-c', probe], cwd=str(outside)).stdout.strip().splitlines()
    installed_at, registered = lines[-2], lines[-1]
    assert installed_at.startswith(os.path.realpath(fresh_site) + os.sep), installed_at
    assert not installed_at.startswith(ROOT + os.sep)
    assert registered.split()[0] == 'True'


def _fake_mmcv(monkeypatch, version):
    module = types.ModuleType('mmcv')
    module.__version__ = version
    module.__file__ = '/somewhere/mmcv/__init__.py'
    monkeypatch.setitem(sys.modules, 'mmcv', module)


@pytest.mark.parametrize('version', ['1.7.1', '2.4.0', '3.0.0'])
def test_an_mmcv_outside_the_supported_range_is_a_clear_import_error(monkeypatch, version):
    _fake_mmcv(monkeypatch, version)
    with pytest.raises(ImportError, match=rf'mmcv >= 2\.0\.0, < 2\.4\.0 .*mmcv {version} is '):
        compat.check_mmcv_version()


def test_mmcv_2_2_warns_that_mmdet_and_mmseg_refuse_it(monkeypatch):
    _fake_mmcv(monkeypatch, '2.2.0')
    with pytest.warns(UserWarning, match='mmdet 3.3.0 and mmsegmentation 1.2.2 refuse'):
        assert compat.check_mmcv_version() == '2.2.0'


@pytest.mark.parametrize('version', ['2.0.0', '2.0.1', '2.1.0', '2.0.0rc4'])
def test_supported_mmcv_versions_pass_silently(monkeypatch, recwarn, version):
    _fake_mmcv(monkeypatch, version)
    assert compat.check_mmcv_version() == version
    assert not [w for w in recwarn if 'mmcv' in str(w.message)]


def test_a_missing_mmcv_says_which_distribution_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv', None)  # import mmcv -> ModuleNotFoundError
    with pytest.raises(ImportError, match=r'mmcv-lite==2\.0\.1.*mmdet / mmseg benchmarks need'):
        compat.check_mmcv_version()


def test_the_installed_mmcv_passes_the_check():
    import mmcv
    assert compat.check_mmcv_version() == mmcv.__version__


# --- the core install (mmcv-lite) and the downstream tools -------------------------
# mmcv-lite is the mmcv module without its compiled extension: `mmcv._ext` does not
# import. A None in sys.modules makes the import fail the same way here.

def test_without_mmcv_ops_the_downstream_tools_stop_with_one_line_naming_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv._ext', None)
    with pytest.raises(SystemExit) as info:
        compat.require_mmcv_ops('the mmdet benchmarks', 'mmdet')
    message = str(info.value.code)
    assert message.startswith('the mmdet benchmarks need mmcv built with its ops'), message
    assert 'run `bash tools/install.sh --ops`' in message and '\n' not in message
    assert 'and mmdet' not in message  # mmdet is installed here


def test_a_missing_host_package_is_named_too(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv._ext', None)
    monkeypatch.setitem(sys.modules, 'mmseg', None)
    with pytest.raises(SystemExit, match=r'need mmcv built with its ops .* and mmseg: run '
                                         r'`bash tools/install.sh --ops`'):
        compat.require_mmcv_ops('the mmseg benchmarks', 'mmseg')


def test_ops_that_are_installed_but_do_not_load_are_reported_as_such(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv.ops', None)  # import mmcv.ops -> ImportError
    with pytest.raises(SystemExit, match=r"need mmcv's compiled ops, which are installed but "
                                         r'do not load \(.*\): run `bash tools/install.sh --ops`'):
        compat.require_mmcv_ops('the mmdet benchmarks', 'mmdet')


@pytest.mark.parametrize('tool', ['tools/train.py', 'tools/test.py'])
def test_a_detection_config_in_the_core_environment_stops_the_tools_with_one_line(
        monkeypatch, tmp_path, tool):
    from _scripts import load_tool
    monkeypatch.setitem(sys.modules, 'mmcv._ext', None)
    config = os.path.join(ROOT, 'configs/benchmarks/mmdetection/coco/mask-rcnn_r50-c4_ms-1x_coco.py')
    argv = [config, 'ckpt.pth'] if tool == 'tools/test.py' else [config]
    monkeypatch.setattr(sys, 'argv', [tool] + argv + ['--work-dir', str(tmp_path / 'w')])
    with pytest.raises(SystemExit) as info:
        main = load_tool(tool).main
        main() if tool == 'tools/test.py' else main(sys.argv[1:])
    message = str(info.value.code)
    assert message.startswith(f"mmdet configs (default_scope='mmdet') in {tool} need mmcv built "
                              'with its ops'), message
    assert 'run `bash tools/install.sh --ops`' in message and '\n' not in message
    assert not (tmp_path / 'w').exists()  # stopped before any work


def test_the_full_environment_passes_the_ops_check():
    assert compat.require_mmcv_ops('the mmdet benchmarks', 'mmdet', 'mmseg') is None


def test_install_sh_refuses_an_unknown_option_before_doing_anything(tmp_path):
    proc = subprocess.run(['bash', os.path.join(ROOT, 'tools/install.sh'), '--opps'],
                          env={**os.environ, 'VENV': str(tmp_path / 'env')},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown option '--opps'" in proc.stderr
    assert not (tmp_path / 'env').exists()
