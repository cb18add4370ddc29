import { NencError } from "../domain/errors.js";

/**
 * What a listed item adds to a page besides its JSON-valued fields (ids, status,
 * times, field tags): a flat estimate, the same in every store, so that a byte
 * budget cuts pages at the same item whichever store answers.
 */
export const ITEM_OVERHEAD_BYTES = 256;

/**
 * The count and byte limits of one page. A page takes items while both allow it,
 * and always takes its first item (an item alone is within the payload limit,
 * so a page is never empty while items remain).
 */
export class PageBudget {
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly limit: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Counts the item in and answers true, or answers false (the page ends before it). */
  admit(itemBytes: number): boolean {
    if (this.count >= this.limit) return false;
    if (this.count > 0 && this.bytes + itemBytes > this.maxBytes) return false;
    this.count++;
    this.bytes += itemBytes;
    return true;
  }
}

/** The size a store counts for an item: its JSON texts (as stored) and ITEM_OVERHEAD_BYTES. */
export function itemBytes(jsonTexts: ReadonlyArray<string | undefined>): number {
  let bytes = ITEM_OVERHEAD_BYTES;
  for (const text of jsonTexts) if (text !== undefined) bytes += Buffer.byteLength(text);
  return bytes;
}

/**
 * Page tokens are opaque outside the store that issued them: `<tag><position>`,
 * where the tag names the store and the listing (so that a token of another
 * listing, or of another store, is refused rather than misread).
 */
export function encodePageToken(tag: string, position: string): string {
  return `${tag}${position}`;
}

/**
 * The position in a token this store issued for this listing (`tag`), checked
 * against `shape`; otherwise INVALID_ARGUMENT naming pageToken.
 */
export function decodePageToken(token: string, tag: string, shape: RegExp): RegExpExecArray {
  const match = token.startsWith(tag) ? shape.exec(token.slice(tag.length)) : null;
  if (!match) throw badPageToken();
  return match;
}

function badPageToken(): NencError {
  return NencError.invalid(
    "pageToken",
    "is not a token this server issued for this listing; pass nextPageToken unchanged, with the same filters",
  );
}
