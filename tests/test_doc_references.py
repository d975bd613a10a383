"""Every document the code, configs, tests and docs point at is in the repository,
and no user-facing file points outside it (``../shared``, ``/work/shared``).

A markdown link (``[text](target)``) resolves relative to the file that holds it, as
every renderer resolves it; a path named in text or code (``docs/x.md``) may be
relative to the repository root or to the file."""
import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
SCANNED_DIRS = ('docs', 'configs', 'mec_plugin', 'tools', 'tests', 'tests_mmselfsup', 'benchmarks')
SCANNED_TOP = ('README.md', 'NOTICE', 'setup.py')
# user-facing trees where a path outside the repository must not appear at all
NO_OUTSIDE_PATHS = ('README.md', 'docs/', 'configs/', 'mec_plugin/', 'tools/')
THIS_FILE = os.path.relpath(__file__, ROOT)

# a path with a folder (docs/x.md, ../x.md, configs/mec/README.md) ...
PATH_REF = re.compile(r'(?<![\w/.:@-])((?:\.\.?/)*(?:[\w.-]+/)+[\w.-]+\.md)(?![\w/])')
# ... a bare upper-case document name (METHODS.md, DESIGN.md; lower-case bare names
# are file names in layout trees and outputs), and a markdown link target
BARE_REF = re.compile(r'(?<![\w/.:@-])([A-Z][A-Z0-9_]*\.md)(?![\w/])')
# any markdown link target (a file or folder; anchors and URLs are not checked)
LINK_REF = re.compile(r'\]\(([^)#\s]+)(?:#[^)]*)?\)')
OUTSIDE = re.compile(r'\.\./shared|/work/shared')

def scanned_files():
    for name in SCANNED_TOP:
        if os.path.exists(os.path.join(ROOT, name)):
            yield name
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in ('__pycache__', 'runs')]
            for f in filenames:
                if f.endswith(('.py', '.md', '.sh')):
                    yield os.path.relpath(os.path.join(dirpath, f), ROOT).replace(os.sep, '/')


def problems(rel: str, text: str, root: str = ROOT) -> list:
    """'line: what' for each reference of ``text`` (the file ``rel``) that does not resolve."""
    found = []
    here = os.path.join(root, os.path.dirname(rel))

    def exists(ref, bases):
        ref = ref.split('#')[0]
        return any(os.path.exists(os.path.join(base, ref)) for base in bases)

    def line(pos):
        return text.count('\n', 0, pos) + 1

    refs = [(m.start(), m.group(1), (root, here))
            for pat in (PATH_REF, BARE_REF) for m in pat.finditer(text)]
    if rel.endswith('.md'):
        # a markdown link resolves relative to this file only
        refs += [(m.start(), m.group(1), (here,)) for m in LINK_REF.finditer(text)
                 if not re.match(r'[a-z][a-z0-9+.-]*:', m.group(1))]
    seen = set()
    for pos, ref, bases in sorted(refs, key=lambda r: (r[0], len(r[2]))):
        if exists(ref, bases) or (line(pos), ref) in seen:
            continue
        seen.add((line(pos), ref))  # a broken link is also a broken path: say it once
        found.append(f'{line(pos)}: {ref} does not exist'
                     + (' (relative to this file)' if len(bases) == 1 else ''))
    if rel.startswith(NO_OUTSIDE_PATHS) or rel in NO_OUTSIDE_PATHS:
        for m in OUTSIDE.finditer(text):
            found.append(f'{line(m.start())}: {m.group(0)} (a path outside the repository)')
    return found


def _read(rel):
    with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
        return f.read()


def test_every_referenced_document_exists_and_nothing_points_outside():
    bad = {}
    for rel in scanned_files():
        if rel == THIS_FILE:
            continue
        found = problems(rel, _read(rel))
        if found:
            bad[rel] = found
    assert not bad, '\n'.join(f'{rel}:{p}' for rel, ps in sorted(bad.items()) for p in ps)


def test_the_scan_finds_each_kind_of_broken_reference(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'real.md').write_text('x')
    (tmp_path / 'docs' / 'fig.png').write_text('x')
    text = ('see docs/real.md and [it](real.md) and docs/missing.md\n'
            'maths in METHODS.md; [gone](gone.md#part); https://github.com/o/r/blob/x/README.md\n'
            'data in ../shared/data\n'
            '[from the root](docs/real.md), ![a plot](fig.png), [lost](results/x.json), '
            '[web](https://example.org/a.md), [anchor](#part)\n')
    found = problems('docs/page.md', text, root=str(tmp_path))
    assert found == ['1: docs/missing.md does not exist', '2: METHODS.md does not exist',
                     '2: gone.md does not exist (relative to this file)',
                     # a link written from the repository root, inside docs/: broken on
                     # every renderer, though the path exists from the root
                     '4: docs/real.md does not exist (relative to this file)',
                     '4: results/x.json does not exist (relative to this file)',
                     '3: ../shared (a path outside the repository)']
    # the outside-path rule covers the user-facing trees only
    assert problems('tests/test_x.py', 'data in ../shared/data', root=str(tmp_path)) == []


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def _anchors(path: str) -> set:
    """The anchors of a markdown file's headings."""
    with open(path, encoding='utf-8') as f:
        return {_slug(line.lstrip('#')) for line in f if re.match(r'#{1,6} ', line)}


def anchor_problems(rel: str, text: str, root: str = ROOT) -> list:
    """'line: what' for each link of ``text`` to a heading that its target does not have."""
    found = []
    for m in re.finditer(r'\]\(([^)#\s]*)#([^)\s]+)\)', text):
        target, anchor = m.group(1), m.group(2)
        path = os.path.join(root, os.path.dirname(rel), target) if target else \
            os.path.join(root, rel)
        if not path.endswith('.md') or not os.path.exists(path):
            continue  # a missing file is the other test's finding
        if anchor not in _anchors(path):
            found.append(f"{text.count(chr(10), 0, m.start()) + 1}: #{anchor} is not a heading "
                         f'of {os.path.relpath(path, root)}')
    return found


def code_anchor_problems(text: str, root: str = ROOT) -> list:
    """The same for the references of code and configs (comments, messages), written from
    the repository root without a link: ``docs/methods/mec.md#configs``."""
    found = []
    for m in re.finditer(r'(?<![\w./])((?:docs|configs)/[\w./-]+\.md)#([\w-]+)', text):
        path = os.path.join(root, m.group(1))
        if not os.path.exists(path):
            continue  # the other test's finding
        if m.group(2) not in _anchors(path):
            found.append(f"{text.count(chr(10), 0, m.start()) + 1}: #{m.group(2)} is not a "
                         f'heading of {m.group(1)}')
    return found


def test_links_to_a_heading_find_it_in_the_user_docs():
    bad = {}
    for rel in scanned_files():
        if rel.endswith('.md') and rel.startswith(('README.md', 'docs/', 'configs/')):
            found = anchor_problems(rel, _read(rel))
        elif rel.endswith(('.py', '.sh')) and not rel.startswith('tests'):
            found = code_anchor_problems(_read(rel))
        else:
            continue
        if found:
            bad[rel] = found
    assert not bad, '\n'.join(f'{rel}:{p}' for rel, ps in sorted(bad.items()) for p in ps)


def test_the_anchor_check(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'a.md').write_text('# Title\n\n## Process-wide changes of `import x`\n')
    text = '[ok](a.md#process-wide-changes-of-import-x) [bad](a.md#gone) [self](#title)\n'
    assert anchor_problems('docs/b.md', text, root=str(tmp_path)) == [
        '1: #gone is not a heading of docs/a.md']
    code = ('# recipe: docs/a.md#title\n# why: docs/a.md#config-notes (docs/gone.md#x)\n'
            "help='see docs/a.md#process-wide-changes-of-import-x'\n")
    assert code_anchor_problems(code, root=str(tmp_path)) == [
        '2: #config-notes is not a heading of docs/a.md']
