import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { waitFor } from "./wait.js";

/** An orchestrator process (`nenc serve --redis`) for multi-replica and crash tests. */
export interface Replica {
  readonly url: string;
  /** The side port's /metrics URL, as the replica printed it. */
  readonly metricsUrl: string;
  readonly child: ChildProcess;
  /** SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM: drains, then exits. */
  stop(): Promise<void>;
}

/** Starts `nenc serve --port 0 --redis <url>`; env tunes it (NENC_LEASE_MS, NENC_RECLAIM_AFTER_MS, ...). */
export function startReplica(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
): Promise<Replica> {
  return startServeProcess(["--redis", redisUrl, "--redis-prefix", prefix], env);
}

/** Starts `nenc serve --port 0` with more arguments (none: the memory store) and environment. */
export async function startServeProcess(args: string[], env: Record<string, string> = {}): Promise<Replica> {
  const child = spawn(process.execPath, ["bin/nenc.js", "serve", "--port", "0", ...args], {
    env: { ...process.env, NENC_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
  const line = await waitFor(() => lines.find((l) => l.includes("listening")), "a replica to listen", 30_000);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const metricsLine = lines.find((l) => /metrics https?:\/\//.test(l)) ?? "";
  return {
    url: (line.match(/https?:\/\/\S+/) as RegExpMatchArray)[0],
    metricsUrl: (metricsLine.match(/https?:\/\/\S+/) ?? [""])[0],
    child,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
