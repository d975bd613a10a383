"""Every command the README and docs/get_started.md show runs a script that exists, with
flags its argument parser accepts: each `python tools/...py ...` is parsed by that
script's own argparse parser (the script is run until it parses its arguments), and the
shell launchers' arguments are checked against what the launcher passes on."""
import argparse
import os
import re
import runpy
import shlex
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
DOCS = ('README.md', 'docs/get_started.md')
PYTHONS = ('python', 'python3', '.venv/bin/python')
FENCE = re.compile(r'^```(\w*)\n(.*?)^```', re.S | re.M)
SPAN = re.compile(r'`([^`\n]+)`')
ASSIGN = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*=')
COMMAND_SPAN = re.compile(r'^(?:[A-Z_]+=\S+\s+)*(?:bash |python3? |\.venv/bin/python |tools/)')


def _logical_lines(block):
    """(index of the first physical line, the line with its continuations joined)."""
    out, start, parts = [], 0, []
    for i, line in enumerate(block.splitlines()):
        if not parts:
            start = i
        if line.rstrip().endswith('\\'):
            parts.append(line.rstrip()[:-1])
            continue
        out.append((start, ' '.join(parts + [line])))
        parts = []
    return out


def commands(text):
    """[(where, argv)] of the shell commands in ``text``: the lines of its ```bash blocks
    (variables assigned there substituted) and the inline code spans that are commands."""
    found = []
    for m in FENCE.finditer(text):
        if m.group(1) not in ('bash', 'sh', 'shell'):
            continue
        variables = {}
        first = text.count('\n', 0, m.start()) + 2
        for n, line in _logical_lines(m.group(2)):
            try:
                argv = shlex.split(line, comments=True)
            except ValueError:
                continue
            if not argv:
                continue
            if all(ASSIGN.match(a) for a in argv):
                variables.update(a.split('=', 1) for a in argv)
                continue
            argv = [re.sub(r'\$\{?(\w+)\}?', lambda v: variables.get(v.group(1), v.group(0)), a)
                    for a in argv]
            found.append((f'line {first + n}', argv))
    prose = FENCE.sub(lambda m: '\n' * m.group(0).count('\n'), text)
    for m in SPAN.finditer(prose):
        if COMMAND_SPAN.match(m.group(1)):
            found.append((f'line {prose.count(chr(10), 0, m.start()) + 1}', shlex.split(m.group(1))))
    return found


def split(argv):
    """(environment, script, arguments) of a command, or None for a command that runs no
    script of this repository (pip, curl, python -c, ...)."""
    env = {}
    while argv and ASSIGN.match(argv[0]):
        key, value = argv[0].split('=', 1)
        env[key] = value
        argv = argv[1:]
    if not argv:
        return None
    if argv[0] in ('bash', 'sh') or argv[0] in PYTHONS:
        if len(argv) < 2 or argv[1].startswith('-'):
            return None
        return env, argv[1], argv[2:]
    if argv[0].startswith('tools/') or argv[0].endswith('.sh'):
        return env, argv[0], argv[1:]
    return None


class _Parsed(Exception):
    pass


def parse_with_the_scripts_parser(script, args, monkeypatch):
    """Run ``script`` until its argparse parser has read ``args``; the arguments it did not
    know. A value argparse refuses (a bad choice, a missing positional) fails the test."""
    unknown = []

    def parse_args(self, argv=None, namespace=None):
        _, rest = self.parse_known_args(sys.argv[1:] if argv is None else argv, namespace)
        unknown.extend(rest)
        raise _Parsed

    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args', parse_args)
    monkeypatch.setattr(sys, 'argv', [script] + list(args))
    monkeypatch.syspath_prepend(os.path.dirname(os.path.join(ROOT, script)))
    monkeypatch.chdir(ROOT)
    try:
        runpy.run_path(os.path.join(ROOT, script), run_name='__main__')
    except _Parsed:
        return unknown
    except SystemExit as err:
        pytest.fail(f'{script} {" ".join(args)}: argparse refused it (exit {err.code})')
    pytest.fail(f'{script} finished without parsing its arguments')


def _repo_paths_exist(argv):
    return [a for a in argv if re.match(r'(configs|tools|benchmarks)/\S+\.(py|sh)$', a)
            and not os.path.exists(os.path.join(ROOT, a))]


def _script_flags_in(script):
    with open(os.path.join(ROOT, script)) as f:
        return set(re.findall(r'(--[a-z][a-z0-9-]*)', f.read()))


def train_args(script, args):
    """The arguments a launcher passes on to tools/train.py (config first), or None."""
    if script == 'tools/dist_train.sh':
        return [args[0]] + args[2:]
    if script == 'tools/slurm_train.sh':
        return [args[2]] + args[4:]
    return None


ALL = [(doc, where, argv) for doc in DOCS
       for where, argv in commands(open(os.path.join(ROOT, doc), encoding='utf-8').read())]
SCRIPTED = [(doc, where, split(argv)) for doc, where, argv in ALL if split(argv)]


def test_the_docs_show_commands():
    scripts = {s[1] for _, _, s in SCRIPTED}
    assert {'tools/quickstart.sh', 'tools/install.sh', 'tools/train.py', 'tools/dist_train.sh',
            'tools/analysis/knn_eval.py'} <= scripts, scripts


@pytest.mark.parametrize('doc,where,cmd', SCRIPTED,
                         ids=[f'{d}:{w}:{c[1]}' for d, w, c in SCRIPTED])
def test_each_command_runs_a_script_with_flags_it_accepts(doc, where, cmd, monkeypatch):
    env, script, args = cmd
    assert os.path.exists(os.path.join(ROOT, script)), f'{doc} {where}: no {script}'
    missing = _repo_paths_exist(args) + _repo_paths_exist(env.values())
    assert not missing, f'{doc} {where}: {missing} do not exist'
    if script.endswith('.py'):
        unknown = parse_with_the_scripts_parser(script, args, monkeypatch)
        assert not unknown, f'{doc} {where}: {script} does not accept {unknown}'
    elif script == 'tools/quickstart.sh':
        # its arguments are --cfg-options of the training run
        assert all('=' in a and not a.startswith('-') for a in args), (doc, where, args)
    elif train_args(script, args) is not None:
        unknown = parse_with_the_scripts_parser('tools/train.py', train_args(script, args),
                                                monkeypatch)
        assert not unknown, f'{doc} {where}: tools/train.py does not accept {unknown}'
    else:
        flags = {a.split('=')[0] for a in args if a.startswith('--')}
        assert flags <= _script_flags_in(script), \
            f'{doc} {where}: {script} does not know {sorted(flags - _script_flags_in(script))}'


def test_the_command_reader():
    text = ('```bash\nCFG=configs/x.py\npython tools/train.py $CFG \\\n    --amp  # bf16\n'
            'pip install -e .\n```\n\nthen `GPUS=16 tools/slurm_train.sh P J C W` and `--ops`.\n')
    cmds = commands(text)
    assert cmds == [('line 3', ['python', 'tools/train.py', 'configs/x.py', '--amp']),
                    ('line 5', ['pip', 'install', '-e', '.']),
                    ('line 8', ['GPUS=16', 'tools/slurm_train.sh', 'P', 'J', 'C', 'W'])]
    assert [split(a) for _, a in cmds] == [
        ({}, 'tools/train.py', ['configs/x.py', '--amp']), None,
        ({'GPUS': '16'}, 'tools/slurm_train.sh', ['P', 'J', 'C', 'W'])]


def test_the_parser_check_catches_a_wrong_flag(monkeypatch):
    config = 'configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py'
    assert parse_with_the_scripts_parser('tools/train.py', [config, '--amp'], monkeypatch) == []
    assert parse_with_the_scripts_parser('tools/train.py', [config, '--channels-last'],
                                         monkeypatch) == ['--channels-last']
    with pytest.raises(pytest.fail.Exception, match='argparse refused'):
        parse_with_the_scripts_parser('tools/analysis/knn_eval.py', [config, '--pixels', 'grey'],
                                      monkeypatch)
