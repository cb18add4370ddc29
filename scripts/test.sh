#!/usr/bin/env bash
# The whole test suite: TypeScript (vitest), then the Python and Go SDK suites.
# `npm test -- <vitest args>` passes its arguments to vitest only.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  for tool in python3 go; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "npm test: the SDK suites need $tool on PATH (install it, or run \`npm test -- test\` for the TypeScript suite alone)" >&2
      exit 1
    fi
  done
fi
node scripts/ensure-deps.mjs
npx vitest run "$@"
if [ $# -eq 0 ]; then
  for suite in sdk/python/scripts/test.sh sdk/go/scripts/test.sh; do
    echo "--- $suite"
    bash "$suite"
  done
fi
