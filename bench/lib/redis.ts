/**
 * The benchmark's own redis-server: started from PATH on an ephemeral loopback
 * port in a temporary directory (no persistence), stopped at the end. Plus the
 * INFO figures the benchmark reports (commandstats, used_memory).
 */
import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { startRedisServer } from "../../test/support/redis-server.js";

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
  // BullMQ asks for noeviction; the nenc store does not care.
  const server = await startRedisServer({ extraArgs: ["--maxmemory-policy", "noeviction"] });
  const admin = new Redis(server.url, { maxRetriesPerRequest: null });
  return {
    url: server.url,
    port: server.port,
    pid: server.pid,
    admin,
    async stop() {
      admin.disconnect();
      await server.stop();
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
