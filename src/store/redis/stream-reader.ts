import type { Redis } from "ioredis";

export interface StreamEntry {
  stream: string;
  id: string;
  fields: string[];
}

type ReadReply = Array<[stream: string, entries: Array<[id: string, fields: string[]]>]> | null;
type ClaimReply = [next: string, entries: Array<[id: string, fields: string[] | null]>, deleted: string[]];

/**
 * Reads streams through a consumer group, once per entry across replicas: new
 * entries by a blocking XREADGROUP on a connection of its own, and entries a
 * consumer took but never acknowledged (a crashed replica) by XAUTOCLAIM once they
 * are idle for `reclaimAfterMs`. Entries are acknowledged and deleted in one step
 * by settleOccurrences-2.lua (not here), so a stream holds only work not yet done.
 */
export class StreamReader {
  private readonly groups = new Set<string>();
  private lastReclaim = 0;

  constructor(
    private readonly commands: Redis,
    private blocking: Redis,
    private readonly group: string,
    private readonly reclaimAfterMs: number,
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
    const reclaimed = await this.reclaim(streams, consumer, max);
    if (reclaimed.length > 0) return reclaimed;
    // A blocking read cannot be cancelled: on abort, drop the connection (a new one serves later reads).
    const connection = this.blocking;
    const onAbort = () => connection.disconnect();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const reply = (await connection.xreadgroup(
        "GROUP",
        this.group,
        consumer,
        "COUNT",
        max,
        "BLOCK",
        Math.max(1, waitMs),
        "STREAMS",
        ...streams,
        ...streams.map(() => ">"),
      )) as ReadReply;
      return (reply ?? []).flatMap(([stream, entries]) =>
        entries.map(([id, fields]) => ({ stream, id, fields })),
      );
    } catch (error) {
      if (signal.aborted) {
        this.blocking = connection.duplicate();
        return [];
      }
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  close(): void {
    this.blocking.disconnect();
  }

  private async reclaim(streams: readonly string[], consumer: string, max: number): Promise<StreamEntry[]> {
    const now = Date.now();
    if (now - this.lastReclaim < this.reclaimAfterMs / 4) return [];
    this.lastReclaim = now;
    const found: StreamEntry[] = [];
    for (const stream of streams) {
      const [, entries] = (await this.commands.xautoclaim(
        stream,
        this.group,
        consumer,
        this.reclaimAfterMs,
        "0-0",
        "COUNT",
        max,
      )) as ClaimReply;
      for (const [id, fields] of entries) if (fields) found.push({ stream, id, fields });
    }
    return found;
  }
}
