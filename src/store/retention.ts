/**
 * How much history a store keeps. Both stores honour the same limits so that memory
 * stays bounded under any load; see the README for the defaults.
 */
export interface RetentionOptions {
  /** Finished invocations kept (the oldest go first). */
  maxFinishedInvocations: number;
  /** Events are kept this long after emission... */
  eventRetentionMs: number;
  /** ...and at most this many. */
  maxEvents: number;
  /** Evaluation records kept per trigger. */
  evaluationsPerTrigger: number;
  /** How long firing and join markers (exactly-once bookkeeping) are kept. */
  markerRetentionMs: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  maxFinishedInvocations: 100_000,
  eventRetentionMs: 7 * 24 * 3600_000,
  maxEvents: 100_000,
  evaluationsPerTrigger: 100,
  markerRetentionMs: 7 * 24 * 3600_000,
};

/**
 * The defaults with `overrides`, checked: firing and join markers must outlive the
 * events (a replayed event older than its markers would fire its triggers again).
 */
export function resolveRetention(overrides: Partial<RetentionOptions> = {}): RetentionOptions {
  const retention = { ...DEFAULT_RETENTION, ...overrides };
  if (retention.markerRetentionMs < retention.eventRetentionMs) {
    throw new Error(
      `retention: markerRetentionMs (NENC_RETENTION_MARKER_MS, ${retention.markerRetentionMs} ms) must be at least ` +
        `eventRetentionMs (NENC_RETENTION_EVENT_MS, ${retention.eventRetentionMs} ms): a replayed event older than ` +
        "the markers would fire its triggers a second time; raise the first or lower the second",
    );
  }
  return retention;
}
