import { FORGET_REPLICA_AFTER_MS, type ReplicaAnnouncement } from "../store.js";

/**
 * The replicas of one memory store: orchestrators sharing it in one process
 * (tests, embedding), each announcing itself as on Redis (see Store.announceReplica).
 */
export class MemoryReplicas {
  private readonly seen = new Map<string, ReplicaAnnouncement>();

  announce(announcement: ReplicaAnnouncement, liveSince: number): ReplicaAnnouncement[] {
    const previous = this.seen.get(announcement.replicaId);
    if (!previous || previous.seenAt <= announcement.seenAt)
      this.seen.set(announcement.replicaId, { ...announcement });
    const live: ReplicaAnnouncement[] = [];
    for (const [replicaId, replica] of this.seen) {
      if (replica.seenAt >= liveSince) live.push({ ...replica });
      else if (replica.seenAt < liveSince - FORGET_REPLICA_AFTER_MS) this.seen.delete(replicaId);
    }
    return live.sort((a, b) => (a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0));
  }

  retire(replicaId: string): void {
    this.seen.delete(replicaId);
  }
}
