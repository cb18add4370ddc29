#!/usr/bin/env bash
# Regenerates every stub from proto/ with local plugins (the BSR is not reachable).
set -euo pipefail
cd "$(dirname "$0")/.."
npx buf lint
npx buf generate
npx buf generate --template buf.gen.sdk.yaml --path proto/nenc
