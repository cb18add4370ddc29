/**
 * Ids in insertion order, each with a sequence number that pages through the list
 * stably while items are added and removed (the page token is a sequence number).
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

  pageNewestFirst(
    limit: number,
    pageToken: string | undefined,
    accept: (id: string) => boolean,
  ): { ids: string[]; nextPageToken?: string } {
    // Start below the token's sequence number.
    let index = pageToken ? this.firstIndexAtOrAbove(Number(pageToken)) - 1 : this.ids.length - 1;
    const ids: string[] = [];
    let lastSeq = 0;
    for (; index >= 0; index--) {
      const id = this.ids[index] as string;
      if (!accept(id)) continue;
      if (ids.length === limit) return { ids, nextPageToken: String(lastSeq) };
      ids.push(id);
      lastSeq = this.seqs[index] as number;
    }
    return { ids };
  }

  pageOldestFirst(
    limit: number,
    pageToken: string | undefined,
    accept: (id: string) => boolean,
  ): { ids: string[]; nextPageToken?: string } {
    let index = pageToken ? this.firstIndexAtOrAbove(Number(pageToken) + 1) : 0;
    const ids: string[] = [];
    let lastSeq = 0;
    for (; index < this.ids.length; index++) {
      const id = this.ids[index] as string;
      if (!accept(id)) continue;
      if (ids.length === limit) return { ids, nextPageToken: String(lastSeq) };
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
