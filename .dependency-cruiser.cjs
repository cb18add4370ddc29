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
      name: "telemetry-observes-through-interfaces",
      comment:
        "telemetry/ implements the engine's EngineTelemetry and reads the Store interface: no transport, no store implementation, no engine room",
      severity: "error",
      from: { path: "^src/telemetry" },
      to: { path: "^src/(transport|cli|store/(memory|redis)|engine/[^/]+/)" },
    },
    {
      name: "only-main-wires-telemetry",
      comment:
        "the engine and the transport know telemetry by its interfaces (EngineTelemetry, MetricsSource)",
      severity: "error",
      from: { path: "^src/(engine|transport|store|domain)" },
      to: { path: "^src/telemetry" },
    },
    {
      name: "auth-is-a-leaf",
      comment: "auth/ holds tokens and their file: it knows the domain only (the transport and cli use it)",
      severity: "error",
      from: { path: "^src/auth" },
      to: { path: "^src/(engine|store|transport|cli|telemetry)" },
    },
    {
      name: "sdk-is-independent",
      comment: "the SDK never imports the orchestrator",
      severity: "error",
      from: { path: "^sdk/typescript" },
      to: { path: "^src/" },
    },
    // The engine's rooms (src/engine/<room>/); the files at src/engine/ itself are its
    // shared kernel (clock, ids, validate, limits, admission, response budget) and the
    // orchestrator that wires the rooms.
    {
      name: "engine-kernel-knows-no-room",
      comment: "clock, ids, validate, limits, admission, response-budget: used by every room, import none",
      severity: "error",
      from: { path: "^src/engine/[^/]+[.]ts$", pathNot: "^src/engine/orchestrator[.]ts$" },
      to: { path: "^src/engine/[^/]+/" },
    },
    {
      name: "only-the-orchestrator-wires-rooms",
      comment:
        "transport, main and cli reach the engine through the orchestrator and the kernel; of a room they may name types only (the messages a port speaks)",
      severity: "error",
      from: { path: "^src/(transport|cli|main)" },
      to: { path: "^src/engine/[^/]+/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "cel-is-a-leaf",
      comment: "cel/ compiles and meters expressions: it knows no trigger, worker or store",
      severity: "error",
      from: { path: "^src/engine/cel/" },
      to: { path: "^src/(engine/[^/]+/|store/)", pathNot: "^src/engine/cel/" },
    },
    {
      name: "workers-know-no-triggers",
      comment:
        "workers/ runs streams, attempts and function calls: trigger evaluation calls it, never the reverse",
      severity: "error",
      from: { path: "^src/engine/workers/" },
      to: { path: "^src/engine/(triggers|joins|cron|occurrences|replicas|events)/" },
    },
    {
      name: "triggers-know-no-loops",
      comment: "triggers/, joins/ and cron/ decide; occurrences/ and replicas/ run the loops that call them",
      severity: "error",
      from: { path: "^src/engine/(triggers|joins|cron|cel|registry)/" },
      to: { path: "^src/engine/(occurrences|events)/" },
    },
    {
      name: "occurrences-know-no-workers-or-cron",
      comment: "occurrences/ reads the log and hands each occurrence to trigger evaluation",
      severity: "error",
      from: { path: "^src/engine/occurrences/" },
      to: { path: "^src/engine/(workers|cron|replicas|invocations|registry)/" },
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
