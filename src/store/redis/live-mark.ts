import type { Redis } from "ioredis";

/**
 * A key that exists while some replica needs what scripts announce only when it
 * exists (see announceStatus in scripts/includes/base.lua): this replica keeps it
 * alive (PX, refreshed every third of its lifetime) while it holds the mark at
 * least once. Holds nest: each `hold` is matched by one `release`. Released for
 * the last time, the key is left to expire by itself, so that a hold soon after
 * (a client waiting for one result after another) finds it alive and costs no
 * round trip.
 */
export class LiveMark {
  private holders = 0;
  private refresh: NodeJS.Timeout | undefined;
  /** Until when the key is known to exist (from before the last SET was sent). */
  private aliveUntil = 0;
  private setting: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** Resolves once the key exists with at least a third of its lifetime ahead. */
  async hold(): Promise<void> {
    if (this.holders++ === 0) {
      this.refresh = setInterval(() => void this.set().catch(() => {}), this.ttlMs / 3);
      this.refresh.unref();
    }
    if (this.aliveUntil - Date.now() > this.ttlMs / 3) return;
    await this.set();
  }

  release(): void {
    if (this.holders === 0 || --this.holders > 0) return;
    clearInterval(this.refresh);
    this.refresh = undefined;
  }

  close(): void {
    this.holders = 0;
    clearInterval(this.refresh);
  }

  /** One SET at a time: holds that arrive while it is under way share it. */
  private set(): Promise<void> {
    this.setting ??= (async () => {
      const sentAt = Date.now();
      try {
        await this.redis.set(this.key, "1", "PX", this.ttlMs);
        this.aliveUntil = Math.max(this.aliveUntil, sentAt + this.ttlMs);
      } finally {
        this.setting = undefined;
      }
    })();
    return this.setting;
  }
}
