#!/usr/bin/env bash
# The Python SDK's checks: set up .venv (pinned toolchain + this package, editable),
# ruff (format and lint), mypy --strict on the SDK's own code, then pytest. The tests
# start real orchestrators (`node bin/nenc.js serve`), a TypeScript worker and
# `go run ./cmd/nenc-emit`, so run `npm ci` at the repository root first.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
bash scripts/setup-python.sh
(
  cd sdk/python
  "$root/.venv/bin/ruff" format --check .
  "$root/.venv/bin/ruff" check .
  "$root/.venv/bin/mypy"
)
"$root/.venv/bin/pytest" sdk/python/tests "$@"
