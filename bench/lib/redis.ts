/**
 * The benchmark's own redis-server: started from PATH on an ephemeral loopback
 * port in a temporary directory (no persistence), stopped at the end. Plus the
 * INFO figures the benchmark reports (commandstats, used_memory).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface BenchRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** A command connection for INFO, FLUSHALL, CONFIG RESETSTAT. */
  readonly admin: Redis;
  stop(): Promise<void>;
}

export function redisServerVersion(): string {
  const out = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return out.stdout?.match(/v=(\S+)/)?.[1] ?? "unknown";
}

export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "nenc-bench-redis-"));
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      // BullMQ asks for it; the nenc store does not care.
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  process.on("exit", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { maxRetriesPerRequest: null });
  return {
    url,
    port,
    pid: child.pid ?? 0,
    admin,
    async stop() {
      admin.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `cmdstat_<name>` → calls, from INFO commandstats. */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info("commandstats");
  const stats = new Map<string, number>();
  for (const line of info.split("\n")) {
    const match = line.match(/^cmdstat_([^:]+):calls=(\d+)/);
    if (match) stats.set(match[1] as string, Number(match[2]));
  }
  return stats;
}

/** Calls per command between two commandstats snapshots (commands run inside Lua scripts count too). */
export function commandDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, calls] of after) {
    const diff = calls - (before.get(name) ?? 0);
    if (diff > 0) delta.set(name, diff);
  }
  return delta;
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(info.match(/used_memory:(\d+)/)?.[1] ?? 0);
}

/** CPU seconds (user+sys) the redis-server process used so far. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const sys = Number(info.match(/used_cpu_sys:([\d.]+)/)?.[1] ?? 0);
  const user = Number(info.match(/used_cpu_user:([\d.]+)/)?.[1] ?? 0);
  return sys + user;
}
