#!/usr/bin/env bash
# Builds what the npm packages ship: @nenc/protocol and @nenc/sdk (ESM and CommonJS
# with declarations, tsdown), then the orchestrator (tsc, with its Lua scripts), then
# the dashboard it serves (vite, into dist/ui).
# Order matters: each resolves the one before it through its dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/ensure-deps.mjs
(cd packages/protocol && npx tsdown --log-level warn)
(cd sdk/typescript && npx tsdown --log-level warn)
rm -rf dist
npx tsc -p tsconfig.build.json
mkdir -p dist/store/redis/scripts/includes
cp src/store/redis/scripts/*.lua dist/store/redis/scripts/
cp src/store/redis/scripts/includes/*.lua dist/store/redis/scripts/includes/
npx vite build --config dashboard/vite.config.ts
echo "built packages/protocol/dist, sdk/typescript/dist, dist"
