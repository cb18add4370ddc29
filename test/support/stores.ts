import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore, type RedisStoreOptions } from "../../src/store/redis/redis-store.js";
import type { Store } from "../../src/store/store.js";

export type StoreKind = "memory" | "redis";

/** The stores a behavioural suite runs on: memory always, Redis when the run has one. */
export const STORE_KINDS: StoreKind[] = ["memory", "redis"];

/** True when this run can test `kind` (Redis needs redis-server; see global-setup.ts). */
export function storeAvailable(kind: StoreKind): boolean {
  return kind === "memory" || inject("redisUrl") !== "";
}

/** A unique key prefix, so tests sharing one Redis never see each other. */
export function uniquePrefix(): string {
  return `t${randomBytes(6).toString("hex")}`;
}

/** A fresh, empty store of `kind`. */
export async function createStore(kind: StoreKind, options: Partial<RedisStoreOptions> = {}): Promise<Store> {
  if (kind === "memory") {
    return new MemoryStore({
      ...(options.retention ? { retention: options.retention } : {}),
      ...(options.reclaimAfterMs === undefined ? {} : { reclaimAfterMs: options.reclaimAfterMs }),
    });
  }
  return RedisStore.connect({ url: inject("redisUrl"), prefix: uniquePrefix(), ...options });
}
