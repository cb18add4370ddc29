#!/usr/bin/env bash
# Regenerates every stub from proto/ with local plugins (the BSR is not reachable):
# TypeScript (once, into packages/protocol for the server and the SDK), Python and Go.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
bash scripts/setup-go.sh
npx buf lint
npx buf generate
rm -f sdk/python/src/nenc/v1/*_pb2*.py sdk/python/src/nenc/v1/*_pb2*.pyi
npx buf generate --template buf.gen.python.yaml --path proto/nenc
npx buf generate --template buf.gen.go.yaml --path proto/nenc
