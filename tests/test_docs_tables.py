"""The tables of measured figures in the user docs are rendered from the JSON records
(``benchmarks/tables.py``): a doc whose table differs from what its records render fails
here. Fix with ``python benchmarks/tables.py --write``."""
import importlib.util
import glob
import json
import os
import re
import shutil

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))


def _tables():
    spec = importlib.util.spec_from_file_location(
        'doc_tables', os.path.join(ROOT, 'benchmarks', 'tables.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tables = _tables()


def test_every_rendered_table_matches_its_records():
    stale = tables.check_docs(ROOT)
    assert not stale, ('these docs hold a table that differs from what its records render; '
                       'run `python benchmarks/tables.py --write`: ' + ', '.join(stale))


def test_the_user_docs_hold_the_tables_they_promise():
    expected = {'README.md': {'readme-results'},
                'docs/results.md': {'cifar10-h200', 'fashion-mnist', 'same-budget', 'mec-seeds',
                                    'mec-simclr-6e'},
                'docs/model_zoo.md': {'model-zoo'}}
    expected.update({f'configs/{d}/README.md': {f'configs-{d}'}
                     for d in ('mec', 'dissl', 'cissl', 'moco_small', 'cmc', 'baselines')})
    for rel, names in expected.items():
        with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
            found = {m.group('name') for m in tables.RENDERED.finditer(f.read())}
        assert names <= found, f'{rel} lost its rendered table(s) {sorted(names - found)}'


def _cells(line):
    """The number of cells of a markdown table row (a '|' inside a code span is text)."""
    return re.sub(r'`[^`]*`', '', line.strip()).count('|') - 1


def test_every_rendered_row_has_its_header_s_columns():
    bad = []
    for rel in tables.doc_files(ROOT):
        with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
            text = f.read()
        for m in tables.RENDERED.finditer(text):
            rows = [ln for ln in m.group('body').splitlines() if ln.startswith('|')]
            width = _cells(rows[0])
            bad += [f"{rel} ({m.group('name')}): {ln[:80]}" for ln in rows[2:]
                    if _cells(ln) != width]
    assert not bad, 'rows whose cells do not match their header:\n' + '\n'.join(bad)


def _copy(tmp_path, rel):
    dst = tmp_path / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(ROOT, rel), dst)
    return dst


@pytest.fixture
def tree(tmp_path):
    """A copy of the docs and the records they render from."""
    for rel in tables.doc_files(ROOT):
        _copy(tmp_path, rel)
    for key, path in tables.REC.items():
        # a '{}' in a record's path stands for each of several files
        paths = [os.path.relpath(p, ROOT) for p in glob.glob(
            os.path.join(ROOT, path.replace('{}', '*')))] if '{}' in path else [path]
        for rel in paths:
            _copy(tmp_path, rel)
    for d in tables.ZOO_DIRS:
        for name in os.listdir(os.path.join(ROOT, 'configs', d)):
            if name.endswith('.py'):
                _copy(tmp_path, f'configs/{d}/{name}')
    _copy(tmp_path, 'configs/mec_r50_8xb64_100e.py')
    return tmp_path


def test_a_hand_edited_figure_is_caught(tree):
    assert tables.check_docs(str(tree)) == []
    readme = tree / 'README.md'
    readme.write_text(readme.read_text().replace('| **55.81** |', '| **56.81** |'))
    assert tables.check_docs(str(tree)) == ['README.md']


def test_a_changed_record_is_caught(tree):
    rec = tree / tables.REC['same_budget']
    rows = json.loads(rec.read_text())
    for row in rows:
        if row['method'] == 'CISSL':
            row['knn_top1_k20'] = 50.0
    rec.write_text(json.dumps(rows))
    stale = tables.check_docs(str(tree))
    assert {'README.md', 'docs/results.md', 'docs/model_zoo.md',
            'configs/cissl/README.md'} <= set(stale)
    tables.check_docs(str(tree), write=True)  # --write repairs them
    assert tables.check_docs(str(tree)) == []
    assert '| CISSL | 50.00 |' in (tree / 'docs/results.md').read_text()


def test_an_unknown_table_name_is_an_error():
    with pytest.raises(KeyError, match='no table'):
        tables.render_doc('x.md', '<!-- rendered: nope -->\n<!-- /rendered -->\n')


def test_a_same_budget_row_of_several_seeds_shows_mean_and_sd(tree):
    """A row written by ``cifar_same_budget.py --seeds`` (its s.d. set) renders mean ± s.d.;
    a one-seed row (s.d. null, or no key in older records) renders its value alone."""
    rec = tree / tables.REC['same_budget']
    rows = json.loads(rec.read_text())
    for row in rows:
        if row['method'] == 'CISSL':
            row.update(seeds=[0, 1, 2], knn_top1_k20_std=0.5, knn_top1_k200_std=0.25)
        if row['method'] == 'SimCLR':
            row.update(seeds=[0], knn_top1_k20_std=None, knn_top1_k200_std=None)
    rec.write_text(json.dumps(rows))
    table = '\n'.join(tables.table_same_budget('docs/results.md', str(tree)))
    assert '| CISSL | 53.30 ± 0.50 | 51.54 ± 0.25 |' in table
    assert '| SimCLR (mmpretrain) | 50.77 | 48.81 |' in table
