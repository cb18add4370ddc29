import { type NencServer, type NencServerOptions, startNencServer } from "nenc/server";
import { silentLogger } from "../../src/domain/logger.js";
import { createStore, type StoreKind } from "./stores.js";

/**
 * An orchestrator on a fresh store of `kind` (memory by default), served over real
 * gRPC on an ephemeral loopback port.
 */
export async function startTestServer(
  options: NencServerOptions & { kind?: StoreKind } = {},
): Promise<NencServer> {
  const { kind = "memory", ...rest } = options;
  const store = rest.store ?? (await createStore(kind, rest.retention ? { retention: rest.retention } : {}));
  return startNencServer({ port: 0, logger: silentLogger, ...rest, store });
}
