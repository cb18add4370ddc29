/** Starting the system under test for one scenario: a nenc orchestrator process, or BullMQ's connection. */
import { join } from "node:path";
import type { Backend, BenchContext } from "./context.js";
import { type ChildOrchestrator, startChildOrchestrator } from "./orchestrator.js";

let counter = 0;

/** A fresh orchestrator process (its own Redis prefix on Redis). */
export async function startNenc(
  ctx: BenchContext,
  backend: Exclude<Backend, "bullmq">,
  scenario: string,
  metrics = ctx.metrics,
): Promise<ChildOrchestrator> {
  counter++;
  const name = `${scenario}-${backend}`.replace(/[^A-Za-z0-9_.-]/g, "_");
  return startChildOrchestrator({
    ...(backend === "nenc-redis" ? { redisUrl: ctx.redis.url, redisPrefix: `bench${counter}` } : {}),
    ...(ctx.profileDir ? { profile: { dir: ctx.profileDir, name } } : {}),
    metrics,
  });
}

/** BullMQ connection options for the benchmark's redis-server. */
export function bullConnection(ctx: BenchContext): {
  host: string;
  port: number;
  maxRetriesPerRequest: null;
} {
  return { host: "127.0.0.1", port: ctx.redis.port, maxRetriesPerRequest: null };
}

/** A fresh Redis for the next scenario: nothing left from the previous one. */
export async function flushRedis(ctx: BenchContext): Promise<void> {
  await ctx.redis.admin.flushall();
}

export function profilePath(ctx: BenchContext, name: string): string | undefined {
  return ctx.profileDir ? join(ctx.profileDir, name) : undefined;
}
