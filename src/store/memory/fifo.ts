/** A FIFO queue with O(1) push, shift and unshift (a ring that grows). */
export class Fifo<T> {
  private items: Array<T | undefined> = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  unshift(item: T): void {
    this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Removes every item matching the predicate (O(n)). */
  removeWhere(predicate: (item: T) => boolean): void {
    const kept: T[] = [];
    while (this.count > 0) {
      const item = this.shift() as T;
      if (!predicate(item)) kept.push(item);
    }
    for (const item of kept) this.push(item);
  }

  private grow(): void {
    if (this.count < this.items.length) return;
    const next: Array<T | undefined> = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
