import type { PageBudget } from "../paging.js";

/** A page of a SequencedList: its ids, and the position to resume after when more follow. */
export interface SequencedPage {
  ids: string[];
  /** The sequence number of the last id, when accepted ids follow it. */
  next?: number;
}

/**
 * Ids in insertion order, each with a sequence number that pages through the list
 * stably while items are added and removed (a page resumes after a sequence number).
 */
export class SequencedList {
  private ids: string[] = [];
  private seqs: number[] = [];
  private nextSeq = 1;

  add(id: string): void {
    this.ids.push(id);
    this.seqs.push(this.nextSeq++);
  }

  removeAll(drop: ReadonlySet<string>): void {
    const ids: string[] = [];
    const seqs: number[] = [];
    this.ids.forEach((id, i) => {
      if (!drop.has(id)) {
        ids.push(id);
        seqs.push(this.seqs[i] as number);
      }
    });
    this.ids = ids;
    this.seqs = seqs;
  }

  *oldestFirst(): Iterable<string> {
    for (const id of this.ids) yield id;
  }

  /**
   * The ids below sequence number `before` (all without it), newest first, that
   * `sizeOf` accepts (undefined: skip it) while `budget` admits their size.
   */
  pageNewestFirst(
    budget: PageBudget,
    before: number | undefined,
    sizeOf: (id: string) => number | undefined,
  ): SequencedPage {
    const start = before === undefined ? this.ids.length - 1 : this.firstIndexAtOrAbove(before) - 1;
    return this.collect(start, -1, budget, sizeOf);
  }

  /** As pageNewestFirst, oldest first, above sequence number `after`. */
  pageOldestFirst(
    budget: PageBudget,
    after: number | undefined,
    sizeOf: (id: string) => number | undefined,
  ): SequencedPage {
    const start = after === undefined ? 0 : this.firstIndexAtOrAbove(after + 1);
    return this.collect(start, 1, budget, sizeOf);
  }

  private collect(
    start: number,
    step: 1 | -1,
    budget: PageBudget,
    sizeOf: (id: string) => number | undefined,
  ): SequencedPage {
    const ids: string[] = [];
    let lastSeq = 0;
    for (let index = start; index >= 0 && index < this.ids.length; index += step) {
      const id = this.ids[index] as string;
      const size = sizeOf(id);
      if (size === undefined) continue;
      if (!budget.admit(size)) return { ids, next: lastSeq };
      ids.push(id);
      lastSeq = this.seqs[index] as number;
    }
    return { ids };
  }

  private firstIndexAtOrAbove(seq: number): number {
    let low = 0;
    let high = this.seqs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.seqs[mid] as number) < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
