import type { ReplicaAnnouncement, ReplicaCheckIn, Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import { rendezvousOwner } from "./rendezvous.js";

/** What a check-in read about the store's data (see ReplicaCheckIn); no data set after leave(). */
export type StoreCheck = Omit<ReplicaCheckIn, "replicas" | "dataSet"> & { dataSet?: string };

export interface ReplicaMembershipOptions {
  replicaId: string;
  /** A replica seen this recently is live. A few sweep intervals: a live replica announces itself at each. */
  liveForMs: number;
}

/**
 * Which orchestrator replicas on the store are alive, and which of them owns a
 * key. Each replica announces itself at every maintenance sweep (checkIn: one
 * store call, which also reads the registry version the sweep needs), with how
 * far its cron claims got (`progress`); the replicas seen within `liveForMs` are
 * live. A key's owner is the live replica that rendezvous hashing gives it, so a
 * replica joining or leaving moves only its share. Until its first check-in a
 * replica knows only itself (and owns everything), as on a store of its own.
 */
export class ReplicaMembership {
  /** The live replicas by id, as they last announced themselves. */
  private live = new Map<string, ReplicaAnnouncement>();
  private ids: string[];
  private readonly listeners = new Set<(changed: boolean) => void>();
  private left = false;
  private inFlight: Promise<unknown> = Promise.resolve();
  /** When (by this replica's clock) the latest check-in that answered was sent: what `live` tells is at least that recent. */
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Pick<Store, "registry" | "replicas">,
    private readonly clock: Clock,
    private readonly options: ReplicaMembershipOptions,
    private readonly progress: () => number,
  ) {
    this.ids = [options.replicaId];
  }

  get replicaId(): string {
    return this.options.replicaId;
  }

  /** The live replicas' ids, sorted. */
  get replicaIds(): readonly string[] {
    return this.ids;
  }

  /** When the latest answered check-in was sent (its answer is at least that recent). */
  get refreshedAt(): number {
    return this.readAt;
  }

  /**
   * Announces this replica and reads the live ones; returns what the same call read
   * about the store's data. After leave() it only reads the registry version.
   */
  async checkIn(): Promise<StoreCheck> {
    if (this.left)
      return {
        registryVersion: await this.store.registry.registryVersion(),
        awaitingApps: 0,
        activeInvocations: 0,
      };
    const sentAt = this.clock.now();
    const call = this.store.replicas.announceReplica(
      { replicaId: this.options.replicaId, seenAt: sentAt, cronClaimedThrough: this.progress() },
      sentAt - this.options.liveForMs,
    );
    this.inFlight = call.catch(() => undefined);
    const { replicas, ...check } = await call;
    if (this.left) return check;
    const ids = replicas.map((replica) => replica.replicaId);
    const changed = ids.length !== this.ids.length || ids.some((id, i) => id !== this.ids[i]);
    this.live = new Map(replicas.map((replica) => [replica.replicaId, replica]));
    this.ids = ids;
    this.readAt = Math.max(this.readAt, sentAt);
    for (const listener of [...this.listeners]) listener(changed);
    return check;
  }

  /** The live replica that owns `key` (this one when it knows no other). */
  ownerOf(key: string): string {
    return rendezvousOwner(key, this.ids) ?? this.options.replicaId;
  }

  owns(key: string): boolean {
    return this.ownerOf(key) === this.options.replicaId;
  }

  /** How far a live replica's cron claims got, as it last announced (0 for a replica not live). */
  cronClaimedThroughOf(replicaId: string): number {
    return this.live.get(replicaId)?.cronClaimedThrough ?? 0;
  }

  /** When a live replica last announced itself (-Infinity for a replica not live). */
  seenAtOf(replicaId: string): number {
    return this.live.get(replicaId)?.seenAt ?? Number.NEGATIVE_INFINITY;
  }

  /** Calls `listener` after each check-in, `changed` when the live replicas changed; returns the unsubscribe function. */
  onRefresh(listener: (changed: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A graceful stop: no more announcements, and the store forgets this replica, so
   * that the others take its share at their next sweep instead of after `liveForMs`.
   */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    this.listeners.clear();
    // An announcement still on its way would otherwise bring this replica back.
    await this.inFlight;
    await this.store.replicas.retireReplica(this.options.replicaId);
  }
}
