/** Latency summaries: nearest-rank percentiles over every sample (no sampling). */

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  min: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Quantiles at fixed points, for the SVG chart (a compact CDF). */
export function cdfPoints(samples: readonly number[], points = 200): Array<[q: number, value: number]> {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const out: Array<[number, number]> = [];
  for (let i = 0; i <= points; i++) {
    const q = i / points;
    const index = Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)));
    out.push([q, sorted[index] as number]);
  }
  return out;
}

/** Wall-clock milliseconds with sub-millisecond resolution (comparable across processes on one host). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
