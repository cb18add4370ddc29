#!/usr/bin/env bash
# Creates .venv with the pinned Python toolchain (grpcio-tools for generation, pytest,
# mypy) and installs sdk/python in it, editable. Idempotent: reinstalls only when the
# requirements changed.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=sdk/python/requirements-dev.txt
stamp=.venv/.requirements.sha
want=$(cat "$requirements" $(ls sdk/python/pyproject.toml 2>/dev/null) | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "nenc: the Python SDK needs Python 3.11 or newer; python3 is $(python3 --version 2>&1)" >&2
  exit 1
fi
echo "nenc: setting up .venv (Python $(python3 --version | cut -d' ' -f2))..." >&2
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r "$requirements"
if [ -f sdk/python/pyproject.toml ]; then .venv/bin/pip install -q --disable-pip-version-check -e sdk/python; fi
echo "$want" > "$stamp"
