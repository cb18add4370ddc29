import {
  FORGET_REPLICA_AFTER_MS,
  type ReplicaAnnouncement,
  type ReplicaCheckIn,
  type ReplicaStore,
} from "../store.js";
import type { RedisContext } from "./context.js";
import type { EngineStreams } from "./engine-streams.js";

/**
 * Orchestrator replicas on Redis (the replicas role): one hash, announced to and
 * read by one script per sweep (with the registry version and the data set's
 * identity). A replica retired or forgotten has what it held on the engine's
 * streams released (see EngineStreams.releaseReplica).
 */
export class RedisReplicas implements ReplicaStore {
  constructor(
    private readonly ctx: RedisContext,
    private readonly streams: EngineStreams,
  ) {}

  async announceReplica(announcement: ReplicaAnnouncement, liveSince: number): Promise<ReplicaCheckIn> {
    const { keys } = this.ctx;
    const [version, dataSet, awaiting, active, forgottenCount, ...rest] = (await this.ctx.run(
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
    const forgotten = rest.slice(0, Number(forgottenCount));
    for (const replicaId of forgotten) await this.streams.releaseReplica(replicaId);
    return {
      replicas: liveReplicas(rest.slice(forgotten.length)),
      registryVersion: Number(version),
      dataSet: String(dataSet ?? ""),
      awaitingApps: Number(awaiting),
      activeInvocations: Number(active),
    };
  }

  async retireReplica(replicaId: string): Promise<void> {
    await this.ctx.redis.hdel(this.ctx.keys.replicas, replicaId);
    await this.streams.releaseReplica(replicaId);
  }
}

/** The script's rows (id, seen at, cron claimed through), sorted by id. */
function liveReplicas(rows: readonly string[]): ReplicaAnnouncement[] {
  const replicas: ReplicaAnnouncement[] = [];
  for (let i = 0; i + 2 < rows.length; i += 3) {
    replicas.push({
      replicaId: rows[i] as string,
      seenAt: Number(rows[i + 1]),
      cronClaimedThrough: Number(rows[i + 2]),
    });
  }
  return replicas.sort((a, b) => (a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0));
}
