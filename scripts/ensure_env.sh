# Sourced by start.sh and test.sh: make .venv with the project installed, reinstalling when pyproject.toml changes.
set -euo pipefail
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${1:-run}"
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[${1:-run}]" 2>&1 | grep -v "is ignored: it is neither" || true
    .venv/bin/python -c "import analytics, duckdb, streamlit" 
    touch "$stamp"
fi
