import { randomUUID } from "node:crypto";
import { FORGET_REPLICA_AFTER_MS, type ReplicaAnnouncement, type ReplicaCheckIn } from "../store.js";
import type { RedisContext } from "./context.js";

/**
 * Orchestrator replicas on Redis: one hash, announced to and read by one script per
 * sweep (with the registry version and the data set's identity), and the data set's
 * identity itself (see Store.openDataSet).
 */
export class RedisReplicas {
  constructor(private readonly ctx: RedisContext) {}

  async announce(announcement: ReplicaAnnouncement, liveSince: number): Promise<ReplicaCheckIn> {
    const { keys } = this.ctx;
    const [version, dataSet, awaiting, active, ...rows] = (await this.ctx.run(
      "announceReplica",
      [keys.replicas, keys.registry, keys.dataSet, keys.awaiting],
      [
        announcement.replicaId,
        Math.floor(announcement.seenAt),
        Math.floor(announcement.cronClaimedThrough),
        Math.floor(liveSince),
        FORGET_REPLICA_AFTER_MS,
      ],
    )) as string[];
    const replicas: ReplicaAnnouncement[] = [];
    for (let i = 0; i + 2 < rows.length; i += 3) {
      replicas.push({
        replicaId: rows[i] as string,
        seenAt: Number(rows[i + 1]),
        cronClaimedThrough: Number(rows[i + 2]),
      });
    }
    replicas.sort((a, b) => (a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0));
    return {
      replicas,
      registryVersion: Number(version),
      dataSet: String(dataSet ?? ""),
      awaitingApps: Number(awaiting),
      activeInvocations: Number(active),
    };
  }

  /** See Store.openDataSet (openDataSet-2.lua). */
  async openDataSet(awaitApps: readonly string[], awaitMs: number): Promise<string> {
    const { keys } = this.ctx;
    return String(
      await this.ctx.run(
        "openDataSet",
        [keys.dataSet, keys.awaiting],
        [randomUUID(), Math.max(1, Math.floor(awaitMs)), awaitApps.length, ...awaitApps],
      ),
    );
  }

  async retire(replicaId: string): Promise<void> {
    await this.ctx.redis.hdel(this.ctx.keys.replicas, replicaId);
  }
}
