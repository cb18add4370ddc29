#!/usr/bin/env bash
# The Go SDK's checks: gofmt, go vet, then go test (which starts a real
# orchestrator and a TypeScript worker, so run `npm ci` at the root first).
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting (run gofmt -w on them):" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
# -count=1: the tests exercise the orchestrator and worker, which the test cache cannot see.
go test -count=1 ./...
