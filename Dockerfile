# nenc orchestrator image: `docker build -t nenc . && docker run -p 7070:7070 nenc`
# (add `--redis redis://host:6379` or NENC_REDIS_URL for the Redis store).

# --- dependencies: the full install, checked against the lockfile -------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdk/typescript/package.json sdk/typescript/package.json
COPY packages/protocol/package.json packages/protocol/package.json
RUN npm ci --no-audit --no-fund

# --- verify: the sources type-check before anything ships ---------------------------------
FROM deps AS verify
COPY . .
RUN npx tsc -p . && npx biome check src packages/protocol/src

# --- runtime: production dependencies and the server sources only -------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production NENC_HOST=0.0.0.0 NENC_PORT=7070
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdk/typescript/package.json sdk/typescript/package.json
COPY packages/protocol/package.json packages/protocol/package.json
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=verify /app/bin ./bin
COPY --from=verify /app/src ./src
COPY --from=verify /app/packages/protocol/src ./packages/protocol/src
COPY --from=verify /app/tsconfig.json ./tsconfig.json
USER node
EXPOSE 7070
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/nenc.js"]
CMD ["serve"]
