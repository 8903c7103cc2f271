#!/usr/bin/env bash
# One-line, actionable messages for missing prerequisites (Python 3.11+, Node/npm).
set -euo pipefail
python="${1:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "Python 3.11+ is required but '$python' was not found: install python3 (3.11 or newer) or run make PYTHON=/path/to/python3.11"; exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "Python 3.11+ is required, '$python' is $("$python" -c 'import platform; print(platform.python_version())'): run make PYTHON=/path/to/python3.11"; exit 1
fi
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "Python's venv module is missing: install it (e.g. apt-get install python3-venv)"; exit 1
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js and npm are required: install Node.js 18+ with npm (e.g. apt-get install nodejs npm)"; exit 1
fi
