#!/usr/bin/env bash
# Fails when the generated code differs from what `npm run generate` produces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate.sh
if ! git diff --quiet --exit-code -- packages/protocol/src/gen sdk/python/src/nenc/v1 sdk/go/gen || [ -n "$(git status --porcelain -- packages/protocol/src/gen sdk/python/src/nenc/v1 sdk/go/gen)" ]; then
  echo "Generated code is stale: run 'npm run generate' and commit the result." >&2
  git status --short -- packages/protocol/src/gen sdk/python/src/nenc/v1 sdk/go/gen >&2
  exit 1
fi
echo "generated code is fresh"
