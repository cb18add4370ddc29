/**
 * How many cases a property-based test runs: `base` in the test suite (bounded for
 * .ci/run), times NENC_FUZZ_SCALE under `npm run fuzz` (which sets it to 20).
 */
export function fuzzRuns(base: number): number {
  const scale = Number(process.env.NENC_FUZZ_SCALE ?? "1");
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** How long a fuzz test may take: its cases, scaled as fuzzRuns scales them. */
export function fuzzTimeout(baseMs: number): number {
  return fuzzRuns(1) * baseMs;
}
