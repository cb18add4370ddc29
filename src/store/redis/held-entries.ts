import { getOrCreate } from "../../domain/maps.js";

/** Keeps stream entries held (see keepClaimed-1.lua): the stream, the consumer, the entry ids. */
export type KeepEntries = (stream: string, consumer: string, ids: string[]) => Promise<void>;

interface Held {
  stream: string;
  id: string;
  consumer: string;
  /** When it was read or last kept (Date.now: Redis measures idle time in real time). */
  since: number;
}

/**
 * The entries this process read and has not settled or handed back yet, kept from
 * being reclaimed by another replica while their evaluation runs, however slow.
 * Redis hands out an entry idle for `reclaimAfterMs`, which is right for one whose
 * replica crashed but wrong for one whose evaluation is only slow: so every
 * `reclaimAfterMs / 3` the entries held that long are kept (their idle time
 * restarted), in one script per stream and consumer. A crashed process keeps
 * nothing, so its entries are reclaimed as before. See docs/design.md §2.
 */
export class HeldEntries {
  /** `${stream}\0${id}` → the entry. */
  private readonly held = new Map<string, Held>();
  private readonly everyMs: number;
  private timer: NodeJS.Timeout | undefined;
  private keeping = false;

  constructor(
    reclaimAfterMs: number,
    private readonly keep: KeepEntries,
    private readonly onError: (error: Error) => void,
  ) {
    this.everyMs = Math.max(1, Math.floor(reclaimAfterMs / 3));
  }

  hold(stream: string, consumer: string, ids: readonly string[]): void {
    const now = Date.now();
    for (const id of ids) this.held.set(`${stream}\u0000${id}`, { stream, id, consumer, since: now });
    if (this.held.size > 0 && !this.timer) this.arm();
  }

  /** Settled or handed back: no longer kept. */
  release(stream: string, ids: readonly string[]): void {
    for (const id of ids) this.held.delete(`${stream}\u0000${id}`);
    if (this.held.size === 0) this.disarm();
  }

  /** The consumer's replica went away: nothing of it is kept any more. */
  releaseConsumer(consumer: string): void {
    for (const [key, entry] of this.held) if (entry.consumer === consumer) this.held.delete(key);
    if (this.held.size === 0) this.disarm();
  }

  close(): void {
    this.held.clear();
    this.disarm();
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
      if (this.held.size > 0) this.arm();
    }, this.everyMs);
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.keeping) return; // The last call is still waiting: the next tick retries.
    const now = Date.now();
    const due = new Map<string, Held[]>();
    for (const entry of this.held.values()) {
      if (now - entry.since < this.everyMs) continue;
      getOrCreate(due, `${entry.stream}\u0000${entry.consumer}`, (): Held[] => []).push(entry);
    }
    if (due.size === 0) return;
    this.keeping = true;
    try {
      await Promise.all(
        [...due.values()].map(async (entries) => {
          const [first] = entries as [Held];
          await this.keep(
            first.stream,
            first.consumer,
            entries.map((entry) => entry.id),
          );
          for (const entry of entries) entry.since = now;
        }),
      );
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.keeping = false;
    }
  }
}
