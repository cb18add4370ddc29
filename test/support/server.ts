import { type NencServer, type NencServerOptions, startNencServer } from "nenc/server";
import { silentLogger } from "../../src/domain/logger.js";

/** An orchestrator on the memory store, served over real gRPC on an ephemeral loopback port. */
export async function startTestServer(options: NencServerOptions = {}): Promise<NencServer> {
  return startNencServer({ port: 0, logger: silentLogger, ...options });
}
