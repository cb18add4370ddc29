/** A heap entry: what `key`'s age was when it was pushed. */
interface Aged {
  key: string;
  age: number;
}

/**
 * Keys ordered by an age (smallest first, ties by key, as a Redis sorted set orders
 * them): the memory store's counterpart of the joinage zset, so that the AND cap
 * finds the oldest partition in O(log n) instead of scanning every partition.
 *
 * A binary min-heap with lazy deletion: `set` and `delete` only record the key's
 * age and push; an entry whose age is no longer the key's is skipped when it
 * reaches the top. The heap is rebuilt from the ages when stale entries outnumber
 * the live ones, so it stays O(keys) in size and every operation is amortised O(log n).
 */
export class AgeIndex {
  private readonly ages = new Map<string, number>();
  private heap: Aged[] = [];

  get size(): number {
    return this.ages.size;
  }

  /** Records `key`'s age (adds the key, or moves it). */
  set(key: string, age: number): void {
    if (this.ages.get(key) === age) return;
    this.ages.set(key, age);
    this.push({ key, age });
    this.compactIfStale();
  }

  delete(key: string): void {
    if (this.ages.delete(key)) this.compactIfStale();
  }

  /** The key with the smallest age (the smallest key among equals), or undefined when empty. */
  oldest(): string | undefined {
    for (let top = this.heap[0]; top; top = this.heap[0]) {
      if (this.ages.get(top.key) === top.age) return top.key;
      this.pop();
    }
    return undefined;
  }

  private compactIfStale(): void {
    if (this.heap.length <= 2 * this.ages.size + 16) return;
    this.heap = [...this.ages].map(([key, age]) => ({ key, age }));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(entry: Aged): void {
    this.heap.push(entry);
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, this.heap[parent] as Aged)) break;
      this.heap[i] = this.heap[parent] as Aged;
      i = parent;
    }
    this.heap[i] = entry;
  }

  private pop(): void {
    const last = this.heap.pop();
    if (!last || this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    const entry = heap[from] as Aged;
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Aged, heap[left] as Aged) ? right : left;
      if (!before(heap[child] as Aged, entry)) break;
      heap[i] = heap[child] as Aged;
      i = child;
    }
    heap[i] = entry;
  }
}

function before(a: Aged, b: Aged): boolean {
  return a.age < b.age || (a.age === b.age && a.key < b.key);
}
