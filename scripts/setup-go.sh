#!/usr/bin/env bash
# Installs the pinned Go protoc plugins into .tools/bin (used by buf generate).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOBIN="$PWD/.tools/bin"
want="protoc-gen-go@v1.36.12 protoc-gen-go-grpc@v1.6.2"
stamp=.tools/.go-plugins
if [ -x "$GOBIN/protoc-gen-go" ] && [ -x "$GOBIN/protoc-gen-go-grpc" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
echo "nenc: installing Go protoc plugins into .tools/bin..." >&2
go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
echo "$want" > "$stamp"
