import type { Redis } from "ioredis";

export interface StreamEntry {
  stream: string;
  id: string;
  fields: string[];
  /** How many times the group handed this entry out, this time included. */
  deliveries: number;
}

/** Runs one of the store's Lua scripts (see scripts.ts). */
export type RunScript = (
  name: string,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
) => Promise<unknown>;

type ReadReply = Array<[stream: string, entries: Array<[id: string, fields: string[]]>]> | null;
type ReclaimReply = [next: string, entries: Array<[id: string, fields: string[], deliveries: number]>];

/** Where a stream's scan of the pending list stands. */
interface ReclaimCursor {
  next: string;
  /** When the current scan started from the beginning. */
  startedAt: number;
}

const START = "0-0";

/**
 * A blocking read waits at most this long, whatever the caller allows: released
 * entries (see rescan) are then taken at the next read, a fraction of a second
 * later. Ending a blocking read early would be faster but can lose what Redis had
 * already handed to it (until the redelivery delay).
 */
const MAX_BLOCK_MS = 250;

/**
 * Reads streams through a consumer group, once per entry across replicas: new
 * entries by a blocking XREADGROUP on a connection of its own, and entries a
 * consumer took but never acknowledged (a crashed replica, a failed evaluation) by
 * reclaimIdle-1.lua once they are idle for `reclaimAfterMs`. A scan of the pending
 * list starts at most every `reclaimAfterMs / 4` and goes on, read after read,
 * until it reached the end. A consumer still working on entries keeps them
 * (keepClaimed-1.lua restarts their idle time), so only those of a consumer that
 * stopped (a crashed replica) or gave up on them are reclaimed. Entries are
 * acknowledged and deleted in one step by settleOccurrences-2.lua (not here), so a
 * stream holds only work not yet done.
 */
export class StreamReader {
  private readonly groups = new Set<string>();
  private readonly cursors = new Map<string, ReclaimCursor>();

  constructor(
    private readonly commands: Redis,
    private blocking: Redis,
    private readonly group: string,
    private readonly reclaimAfterMs: number,
    private readonly run: RunScript,
  ) {}

  async ensureGroup(stream: string): Promise<void> {
    if (this.groups.has(stream)) return;
    try {
      await this.commands.xgroup("CREATE", stream, this.group, "0", "MKSTREAM");
    } catch (error) {
      if (!String(error).includes("BUSYGROUP")) throw error;
    }
    this.groups.add(stream);
  }

  async read(
    streams: readonly string[],
    consumer: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<StreamEntry[]> {
    if (streams.length === 0 || signal.aborted) return [];
    try {
      await Promise.all(streams.map((stream) => this.ensureGroup(stream)));
      return await this.readGroup(streams, consumer, max, waitMs, signal);
    } catch (error) {
      // The group is gone (a Redis restarted without persistence, a flush): created
      // again at the next read, from the stream's start.
      if (String(error).includes("NOGROUP")) for (const stream of streams) this.groups.delete(stream);
      throw error;
    }
  }

  /** Restarts the idle time of the entries of `stream` that `consumer` still holds (see keepClaimed-1.lua). */
  async keep(stream: string, consumer: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.run("keepClaimed", [stream], [this.group, consumer, ...ids]);
  }

  /** The next read scans the pending lists at once (a replica went away: its entries are waiting). */
  rescan(): void {
    for (const cursor of this.cursors.values()) cursor.startedAt = 0;
  }

  close(): void {
    this.blocking.disconnect();
  }

  private async readGroup(
    streams: readonly string[],
    consumer: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<StreamEntry[]> {
    const reclaimed = await this.reclaim(streams, consumer, max);
    if (reclaimed.length > 0) return reclaimed;
    if (signal.aborted) return [];
    // A blocking read cannot be cancelled: on abort, drop the connection (a new one
    // serves later reads). The abort also ends the wait itself: ioredis may leave a
    // command unsettled when its connection is dropped while it reconnects.
    const connection = this.blocking;
    let onAbort = () => {};
    const aborted = new Promise<"aborted">((resolve) => {
      onAbort = () => {
        connection.disconnect();
        resolve("aborted");
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const read = connection.xreadgroup(
      "GROUP",
      this.group,
      consumer,
      "COUNT",
      max,
      "BLOCK",
      Math.max(1, Math.min(waitMs, MAX_BLOCK_MS)),
      "STREAMS",
      ...streams,
      ...streams.map(() => ">"),
    ) as Promise<ReadReply>;
    read.catch(() => undefined); // settled by the race below, or never looked at after an abort
    try {
      const reply = await Promise.race([read, aborted]);
      if (reply === "aborted") return this.replaceBlocking(connection);
      return (reply ?? []).flatMap(([stream, entries]) =>
        entries.map(([id, fields]) => ({ stream, id, fields, deliveries: 1 })),
      );
    } catch (error) {
      if (signal.aborted) return this.replaceBlocking(connection);
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** The blocking connection was dropped on abort: a new one serves later reads. */
  private replaceBlocking(dropped: Redis): StreamEntry[] {
    if (this.blocking !== dropped) return [];
    this.blocking = dropped.duplicate();
    for (const listener of dropped.listeners("error"))
      this.blocking.on("error", listener as (error: Error) => void);
    return [];
  }

  private async reclaim(streams: readonly string[], consumer: string, max: number): Promise<StreamEntry[]> {
    const now = Date.now();
    const found: StreamEntry[] = [];
    for (const stream of streams) {
      if (found.length >= max) break;
      const cursor = this.cursors.get(stream) ?? { next: START, startedAt: 0 };
      // A scan in progress goes on at once; a new one waits its turn.
      if (cursor.next === START) {
        if (now - cursor.startedAt < this.reclaimAfterMs / 4) continue;
        cursor.startedAt = now;
      }
      const [next, entries] = (await this.run(
        "reclaimIdle",
        [stream],
        [this.group, consumer, this.reclaimAfterMs, cursor.next, max - found.length],
      )) as ReclaimReply;
      cursor.next = next;
      this.cursors.set(stream, cursor);
      for (const [id, fields, deliveries] of entries) found.push({ stream, id, fields, deliveries });
    }
    return found;
  }
}
