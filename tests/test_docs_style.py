"""The user docs (README, docs/ outside docs/dev/, the config READMEs) read as a user
guide: no dates, clock times or "sittings" (those live in the records under
benchmarks/results/, which the docs link), no issue numbers of this project's tracker,
and none of the lab notebook's jargon. A table may keep dates in a column headed
"measured"."""
import glob
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

DATE = re.compile(r'\b(19|20)\d\d-[01]\d-[0-3]\d\b|\b(19|20)\d\d/[01]\d/[0-3]\d\b')
CLOCK = re.compile(r'\b([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?\b')
RULES = [
    ('a date', DATE),
    ('a clock time', CLOCK),
    ('"sitting"', re.compile(r'\bsittings?\b', re.I)),
    ('an issue number', re.compile(r'(?<!upstream )\bissues? #?\d+\b', re.I)),
    ('notebook jargon ("the main job", "headline config", "quick config")',
     re.compile(r'\bmain job\b|\bheadline config\b|\bquick config\b', re.I)),
]
LINK_TARGET = re.compile(r'\]\([^)]*\)')
CODE_SPAN = re.compile(r'`[^`\n]*`')


def user_docs(root=ROOT):
    files = ['README.md'] + glob.glob(os.path.join(root, 'docs', '**', '*.md'), recursive=True)
    files += glob.glob(os.path.join(root, 'configs', '*', 'README.md'))
    rels = {os.path.relpath(os.path.join(root, f), root).replace(os.sep, '/') for f in files}
    return sorted(r for r in rels if not r.startswith('docs/dev/'))


def _without_measured_column(lines):
    """The lines with the cells of every table column headed "measured" blanked."""
    out, measured = [], None
    for i, line in enumerate(lines):
        if line.startswith('|'):
            cells = line.strip().strip('|').split('|')
            if measured is None and i + 1 < len(lines) and re.match(r'\|\s*:?-', lines[i + 1]):
                measured = {j for j, c in enumerate(cells) if c.strip().lower() == 'measured'}
            cells = ['' if j in (measured or ()) else c for j, c in enumerate(cells)]
            line = '|' + '|'.join(cells) + '|'
        else:
            measured = None
        out.append(line)
    return out


def findings(text):
    """'line: what' for each thing a user doc should not hold."""
    found = []
    lines = _without_measured_column(text.split('\n'))
    for n, line in enumerate(lines, 1):
        line = LINK_TARGET.sub('](…)', line)  # record paths carry their dates
        line = CODE_SPAN.sub(lambda m: '``' if '/' in m.group(0) else m.group(0), line)
        for what, pattern in RULES:
            m = pattern.search(line)
            if m:
                found.append(f'{n}: {what}: {m.group(0)!r}')
    return found


def test_user_docs_hold_no_dates_times_sittings_or_issue_numbers():
    bad = {}
    for rel in user_docs():
        with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
            found = findings(f.read())
        if found:
            bad[rel] = found
    assert not bad, '\n'.join(f'{rel}:{p}' for rel, ps in bad.items() for p in ps)


def test_the_rules_catch_what_they_should():
    text = '\n'.join([
        'Measured on 2026-11-30 at 14:05 UTC.',                        # 1: date, clock
        'The rows were made in sittings of that command.',              # 2
        'See issue 30 and upstream issue #23.',                         # 3: only ours
        'the main job prints',                                          # 4
        '| run | measured | k-NN |',                                   # 5
        '| --- | --- | --- |',
        '| MEC | 2026-11-30 | 82.89 |',                                 # 7: allowed
        '| MEC | 82.89 | 2026-11-30 |',                                 # 8: not that column
        'record: [it](../benchmarks/results/cpu_2026-12-06_mec_seeds/seed2.json)',  # allowed
        'in `benchmarks/results/h200_2026-11-30/`, a ratio of 1:1.5',  # allowed
        'eta: 0:01:02',                                                 # 11
    ])
    assert findings(text) == [
        "1: a date: '2026-11-30'", "1: a clock time: '14:05'", '2: "sitting": \'sittings\'',
        "3: an issue number: 'issue 30'",
        '4: notebook jargon ("the main job", "headline config", "quick config"): \'main job\'',
        "8: a date: '2026-11-30'", "11: a clock time: '0:01:02'"]
