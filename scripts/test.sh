#!/usr/bin/env bash
# The whole test suite: TypeScript (vitest), then the Python and Go SDK suites.
# `npm test -- <vitest args>` passes its arguments to vitest only.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/ensure-deps.mjs
npx vitest run "$@"
if [ $# -eq 0 ]; then
  for suite in sdk/python/scripts/test.sh sdk/go/scripts/test.sh; do
    if [ -f "$suite" ]; then
      echo "--- $suite"
      bash "$suite"
    fi
  done
fi
