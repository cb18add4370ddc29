/** The label value that stands for every value past a label's cap. */
export const OTHER_LABEL = "_other";

/**
 * Bounds the distinct values one label takes (task and trigger ids come from users:
 * a deployment that creates triggers by the thousand must not grow the metrics
 * without end). The first `max` values seen are kept as they are; any later new
 * value is reported as OTHER_LABEL (docs/design.md §5).
 */
export class LabelCap {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  /** The value to report for `value`. */
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }
}
