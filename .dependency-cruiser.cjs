/**
 * The architecture, checked: domain ← engine ← transport ← main/cli, stores behind
 * their interface, generated code only where the wire is, SDKs apart from src/.
 * packages/protocol is the wire both sides share: it imports neither of them.
 */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "domain/ holds types and rules: no engine, store, transport or generated code",
      severity: "error",
      from: { path: "^src/domain" },
      to: {
        path: "^src/(engine|store|transport|cli)|^packages/protocol/src/(?!context\\.ts$)|ioredis|@connectrpc|@bufbuild",
      },
    },
    {
      name: "engine-knows-no-transport-or-storage-details",
      comment:
        "the engine talks to the Store interface only: no transport, no generated code, no store implementation",
      severity: "error",
      from: { path: "^src/engine" },
      to: {
        path: "^src/(transport|cli|store/(memory|redis))|^packages/protocol/src/(?!(timers|limits|context)\\.ts$)|ioredis|@connectrpc",
      },
    },
    {
      name: "stores-do-not-reach-up",
      severity: "error",
      from: { path: "^src/store" },
      to: { path: "^src/(engine|transport|cli)|^packages/protocol/src/(?!timers\\.ts$)" },
    },
    {
      name: "transport-does-not-pick-a-store",
      severity: "error",
      from: { path: "^src/transport" },
      to: { path: "^src/(store/(memory|redis)|cli)" },
    },
    {
      name: "sdk-is-independent",
      comment: "the SDK never imports the orchestrator",
      severity: "error",
      from: { path: "^sdk/typescript" },
      to: { path: "^src/" },
    },
    {
      name: "protocol-is-shared",
      comment: "the wire package serves the orchestrator and the SDK, so it imports neither",
      severity: "error",
      from: { path: "^packages/protocol" },
      to: { path: "^(src|sdk)/" },
    },
    {
      name: "protocol-plain-modules-stay-plain",
      comment: "timers, limits and context are what the engine and domain may import: no protobuf in them",
      severity: "error",
      from: { path: "^packages/protocol/src/(timers|limits|context)\\.ts$" },
      to: { path: "^packages/protocol/src/(?!context\\.ts$|json-value\\.ts$)|@bufbuild|@connectrpc" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Generated code is not cruised itself, but edges into it still are (so the rules above see them).
    doNotFollow: { path: ["node_modules", "/gen/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js"],
      exportsFields: ["exports"],
      conditionNames: ["types", "import", "default"],
    },
  },
};
