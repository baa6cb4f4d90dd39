#!/usr/bin/env bash
# Install the project into .venv with exactly the pinned packages of requirements.lock, then the project itself.
# Idempotent: a second run only checks that .venv matches the lock. Used by deploy_intranet.sh and .ci/run.
#   scripts/setup.sh            runtime + test packages (requirements.lock)
#   scripts/setup.sh --help     this text
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup: $PYTHON not found; install Python 3.10 or newer" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    echo "setup: Python 3.10 or newer is required, found $("$PYTHON" -V 2>&1)" >&2
    exit 1
fi

# uv comes from the package index through pip: no curl-pipe-to-shell installer.
if ! command -v uv >/dev/null 2>&1; then
    echo "setup: uv not found, installing it with pip"
    "$PYTHON" -m pip install --quiet uv || "$PYTHON" -m pip install --quiet --user uv
    export PATH="$HOME/.local/bin:$PATH"
fi

if [[ ! -x .venv/bin/python ]]; then
    uv venv --quiet --python "$PYTHON" .venv
fi
uv pip sync --quiet --python .venv/bin/python requirements.lock
uv pip install --quiet --python .venv/bin/python --no-deps -e .
echo "setup: .venv ready ($(.venv/bin/python -V 2>&1), $(uv pip list --python .venv/bin/python 2>/dev/null | tail -n +3 | wc -l) packages)"
