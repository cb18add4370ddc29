/**
 * The architecture, checked: domain ← engine ← transport ← main/cli, stores behind
 * their interface, generated code only where the wire is, SDKs apart from src/.
 */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "domain/ holds types and rules: no engine, store, transport or generated code",
      severity: "error",
      from: { path: "^src/domain" },
      to: { path: "^src/(engine|store|transport|gen|cli)|ioredis|@connectrpc|@bufbuild" },
    },
    {
      name: "engine-knows-no-transport-or-storage-details",
      comment:
        "the engine talks to the Store interface only: no transport, no generated code, no store implementation",
      severity: "error",
      from: { path: "^src/engine" },
      to: { path: "^src/(transport|gen|cli|store/(memory|redis))|ioredis|@connectrpc" },
    },
    {
      name: "stores-do-not-reach-up",
      severity: "error",
      from: { path: "^src/store" },
      to: { path: "^src/(engine|transport|gen|cli)" },
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
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
