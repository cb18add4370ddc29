# The nenc orchestrator image. It listens on every interface, so it checks tokens (README, Security):
#   nenc token create --file tokens.json --name ops --scope admin      # prints the secret once
#   docker build -t nenc . && docker run -p 7070:7070 --stop-timeout 40 \
#     -v "$PWD/tokens.json:/run/secrets/nenc-tokens:ro" nenc
# (add `--redis redis://host:6379`, or set NENC_REDIS_URL, for the Redis store). Without the tokens
# file it refuses to start, naming it. compose.yaml runs a whole stack: Redis, two replicas and an
# example worker. Give a container a stop timeout above the drain timeout (NENC_DRAIN_TIMEOUT_MS,
# 30 s): docker stop waits 10 s by default, then kills.

# --- build: compile and pack the npm packages (as `npm run test:install` checks them) ------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY sdk/typescript/package.json sdk/typescript/package.json
COPY packages/protocol/package.json packages/protocol/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN bash scripts/build.sh \
 && mkdir /packages \
 && npm pack --silent --pack-destination /packages \
 && (cd packages/protocol && npm pack --silent --pack-destination /packages) \
 && (cd sdk/typescript && npm pack --silent --pack-destination /packages)

# --- runtime: the packed orchestrator and SDK with their production dependencies only -------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production NENC_HOST=0.0.0.0 NENC_PORT=7070 NENC_HTTP_PORT=7071 \
    NENC_AUTH_TOKENS_FILE=/run/secrets/nenc-tokens
WORKDIR /app
COPY --from=build /packages /tmp/packages
RUN echo '{"name":"nenc-image","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tmp/packages/*.tgz \
 && rm -rf /tmp/packages \
 && npm cache clean --force
COPY examples/compose/worker.mjs examples/worker.mjs
USER node
# gRPC and Connect; the HTTP side port (/metrics, the dashboard).
EXPOSE 7070 7071
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD node node_modules/nenc/bin/nenc.js health --url "http://127.0.0.1:${NENC_PORT}"
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "node_modules/nenc/bin/nenc.js"]
CMD ["serve"]
