# Sourced by the launchers: sets PYTHON to the project's interpreter.
# Order: $PYTHON if set; the repository's .venv (tools/install.sh creates it);
# else `python` on PATH, saying that .venv is missing; else an error.
_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "$PYTHON" ]; then
    if [ -x "$_REPO/.venv/bin/python" ]; then
        PYTHON="$_REPO/.venv/bin/python"
    elif command -v python >/dev/null 2>&1; then
        PYTHON=python
        echo "note: no $_REPO/.venv (tools/install.sh creates it); using $(command -v python)" >&2
    else
        echo "error: no $_REPO/.venv/bin/python and no python on PATH: run tools/install.sh" \
             "or set PYTHON=/path/to/python" >&2
        exit 2
    fi
fi
unset _REPO
