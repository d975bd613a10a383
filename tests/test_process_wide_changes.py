"""Every process-wide change `import mec_plugin` makes is in docs/hosts.md.

A fresh interpreter imports everything the plugin imports from outside
(hosts, torch, numpy, ...), snapshots the attributes of every loaded module
of mmcv, mmengine and torch -- module attributes, the attributes of the
classes each module defines, and the entries of the dicts among both --
then imports mec_plugin and compares by identity. Objects are kept
referenced between the snapshots, so an id cannot be reused.
"""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
HOSTS_DOC = os.path.join(ROOT, 'docs', 'hosts.md')
TABLE_HEADING = '## Process-wide changes of `import mec_plugin`'

SCAN = r'''
import ast, json, os, pathlib, sys, types, warnings

ROOT, SCANNED = sys.argv[1], ('torch', 'mmcv', 'mmengine')

def external_imports():
    """Absolute imports in the plugin's sources, outside the plugin."""
    names = set()
    for path in sorted(pathlib.Path(ROOT, 'mec_plugin').rglob('*.py')):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(n for n in names if n.split('.')[0] != 'mec_plugin')

def entries(key, value, out):
    out[key] = value
    if isinstance(value, dict):  # tables such as CheckpointLoader._schemes: one level deep
        for k, v in list(value.items()):
            out[f'{key}[{k!r}]'] = v

def snapshot(modules):
    out = {}
    for name in modules:
        module = sys.modules[name]
        for attr, value in list(vars(module).items()):
            entries(f'{name}.{attr}', value, out)
            if isinstance(value, type) and getattr(value, '__module__', None) == name:
                for cattr, cvalue in list(vars(value).items()):
                    entries(f'{name}.{attr}.{cattr}', cvalue, out)
    return out

def registries():
    from mmengine.registry import Registry
    found = {}
    for module in list(sys.modules.values()):
        for value in list(getattr(module, '__dict__', {}).values()):
            if isinstance(value, Registry):
                found[id(value)] = value
    return list(found.values())

sys.path.insert(0, ROOT)
skipped = []
for name in external_imports():
    try:
        __import__(name)
    except Exception as error:  # another host's modules (mmselfsup), optional packages
        skipped.append(f'{name}: {type(error).__name__}')
modules = sorted(n for n, m in sys.modules.items()
                 if isinstance(m, types.ModuleType) and n.split('.')[0] in SCANNED)
hosts_registries = registries()
before_registries = [(r, dict(r._module_dict)) for r in hosts_registries]
before = snapshot(modules)
environ, filters = dict(os.environ), list(warnings.filters)

import mec_plugin  # noqa: E402

after = snapshot(modules)
changed = sorted(k for k in before if k in after and after[k] is not before[k])
removed = sorted(k for k in before if k not in after)
# a submodule imported for the first time binds itself on its package: not a patch
added = sorted(k for k in after if k not in before
               and not (isinstance(after[k], types.ModuleType) and after[k].__name__ == k))
registry_changes, registry_gains = [], {}
for registry, names in before_registries:
    now = registry._module_dict
    registry_changes += [f'{registry.scope}.{registry.name}[{n!r}]' for n, obj in names.items()
                         if now.get(n) is not obj]
    gained = sorted(set(now) - set(names))
    if gained:
        registry_gains[f'{registry.scope}.{registry.name}'] = gained
print(json.dumps(dict(
    changed=changed, added=added, removed=removed, modules=len(modules), attributes=len(before),
    registry_changes=registry_changes, registry_gains=registry_gains,
    registries=len(hosts_registries),
    environ_changed=sorted(k for k in set(environ) | set(os.environ)
                           if environ.get(k) != os.environ.get(k)),
    filters_changed=filters != list(warnings.filters), skipped=skipped)))
'''


def documented_changes():
    """{attribute: the row's 'when' column} from the table in docs/hosts.md."""
    with open(HOSTS_DOC) as f:
        text = f.read()
    assert TABLE_HEADING in text, f'{HOSTS_DOC} lost its section {TABLE_HEADING!r}'
    section = text.split(TABLE_HEADING, 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in section.splitlines():
        if not line.startswith('| `'):
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        for name in re.findall(r'`([^`]+)`', cells[0]):
            rows[name] = cells[2]
    return rows


# every test reads the scan of a fresh interpreter importing every host (12 s)
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def scan():
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    res = subprocess.run([sys.executable, '-c', SCAN, ROOT], capture_output=True, text=True,
                         env=env, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_the_scan_sees_the_hosts(scan):
    # thousands of torch / mmcv / mmengine attributes, and the hosts' registries
    assert scan['modules'] > 500 and scan['attributes'] > 50000, scan
    assert scan['registries'] > 50, scan


def test_every_change_to_mmcv_mmengine_torch_is_documented(scan):
    documented = documented_changes()
    observed = scan['changed'] + scan['added'] + scan['removed']
    undocumented = [k for k in observed if k not in documented]
    assert not undocumented, (f'import mec_plugin changes {undocumented}, which the table of '
                              f'{HOSTS_DOC} ({TABLE_HEADING!r}) does not list')
    assert not scan['removed']


def test_the_unconditional_rows_are_observed(scan):
    """The table does not list changes that no longer happen (on this stack:
    torch 2.14, numpy 2, mmcv 2.0.1, every row marked 'always' or 'numpy >= 2')."""
    scanned = ('mmcv', 'mmengine', 'torch')
    expected = [k for k, when in documented_changes().items()
                if when in ('always', 'numpy >= 2') and k.split('.')[0] in scanned]
    observed = set(scan['changed'] + scan['added'])
    assert expected and not [k for k in expected if k not in observed], (expected, observed)


def test_registries_only_gain_names_and_only_mmpretrains(scan):
    assert scan['registry_changes'] == []  # no existing entry replaced or removed
    assert scan['registry_gains'], 'the plugin registered nothing?'
    assert {k.split('.')[0] for k in scan['registry_gains']} == {'mmpretrain'}, \
        scan['registry_gains']
    assert 'MEC' in scan['registry_gains']['mmpretrain.model']


def test_no_environment_variable_or_warning_filter_changes(scan):
    assert scan['environ_changed'] == [] and not scan['filters_changed']
