import {
  FORGET_REPLICA_AFTER_MS,
  type ReplicaAnnouncement,
  type ReplicaCheckIn,
  type ReplicaStore,
} from "../store.js";
import type { MemoryRegistry } from "./memory-registry.js";

/** What {@link MemoryReplicas} shares with the other roles of the memory store. */
export interface MemoryReplicasDeps {
  registry: MemoryRegistry;
  /** Invocations not yet final (the check-in reports them). */
  activeInvocations: () => number;
  /** A replica was retired or forgotten: what it held is handed out again at once. */
  onReplicaGone: (replicaId: string) => void;
}

/**
 * The replicas of one memory store (the replicas role): orchestrators sharing it
 * in one process (tests, embedding), each announcing itself as on Redis.
 */
export class MemoryReplicas implements ReplicaStore {
  private readonly seen = new Map<string, ReplicaAnnouncement>();

  constructor(private readonly deps: MemoryReplicasDeps) {}

  async announceReplica(announcement: ReplicaAnnouncement, liveSince: number): Promise<ReplicaCheckIn> {
    const previous = this.seen.get(announcement.replicaId);
    if (!previous || previous.seenAt <= announcement.seenAt)
      this.seen.set(announcement.replicaId, { ...announcement });
    const live: ReplicaAnnouncement[] = [];
    for (const [replicaId, replica] of this.seen) {
      if (replica.seenAt >= liveSince) live.push({ ...replica });
      else if (replica.seenAt < liveSince - FORGET_REPLICA_AFTER_MS) this.forget(replicaId);
    }
    const { registry } = this.deps;
    return {
      replicas: live.sort((a, b) => (a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0)),
      registryVersion: registry.currentVersion,
      dataSet: registry.dataSet,
      awaitingApps: registry.awaitingApps(Date.now()),
      activeInvocations: this.deps.activeInvocations(),
    };
  }

  async retireReplica(replicaId: string): Promise<void> {
    this.forget(replicaId);
  }

  private forget(replicaId: string): void {
    this.seen.delete(replicaId);
    this.deps.onReplicaGone(replicaId);
  }
}
