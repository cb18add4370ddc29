/**
 * Gathers the calls made in one turn of the event loop (up to `maxBatch` at a
 * time) into one call of `run`, which answers each item in order: results that
 * arrive together (one frame of a worker's stream, or several workers' at once)
 * cost one script call instead of one each. The batch is sent at the turn's check
 * phase (setImmediate), not after the first caller's microtasks: the messages that
 * the turn's other I/O callbacks bring (a client's invokes come one per stream
 * frame) join it. A failure of the batch fails each of its items.
 */
export class Batcher<I, O> {
  private pending: Array<{ item: I; resolve: (out: O) => void; reject: (error: unknown) => void }> = [];

  constructor(
    private readonly run: (items: readonly I[]) => Promise<O[]>,
    private readonly maxBatch: number,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const all = this.pending;
    this.pending = [];
    for (let start = 0; start < all.length; start += this.maxBatch) {
      const batch = all.slice(start, start + this.maxBatch);
      this.run(batch.map((entry) => entry.item)).then(
        (outs) => {
          batch.forEach((entry, i) => {
            entry.resolve(outs[i] as O);
          });
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      );
    }
  }
}
