import { NencError } from "../domain/errors.js";
import { ITEM_OVERHEAD_BYTES, PageBudget } from "../store/paging.js";

/** An item's size as listings count it: its JSON and ITEM_OVERHEAD_BYTES. */
function sizeOf(item: unknown): number {
  return ITEM_OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(item));
}

/**
 * The leading items that fit in `maxBytes` as a page counts them (the first
 * always does): for answers documented as "at most", such as a trigger's history.
 */
export function leadingWithin<T>(items: readonly T[], maxBytes: number): T[] {
  const budget = new PageBudget(items.length, maxBytes);
  const out: T[] = [];
  for (const item of items) {
    if (!budget.admit(sizeOf(item))) break;
    out.push(item);
  }
  return out;
}

/**
 * Throws RESOURCE_EXHAUSTED when the items together pass `maxBytes`: for listings
 * with no pages, which must be answered whole or not at all. `narrow` says how to
 * ask for fewer.
 */
export function requireWithin(
  items: readonly unknown[],
  maxBytes: number,
  what: string,
  narrow: string,
): void {
  let bytes = 0;
  for (const item of items) {
    bytes += sizeOf(item);
    if (bytes > maxBytes) {
      throw new NencError(
        "RESOURCE_EXHAUSTED",
        `the ${items.length} ${what} take more than ${maxBytes} bytes, the most one response holds (maxResponseBytes, NENC_MAX_RESPONSE_BYTES); ${narrow}`,
      );
    }
  }
}
