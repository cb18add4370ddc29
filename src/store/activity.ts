/**
 * Final statuses counted per time bucket, for the dashboard's throughput chart
 * (WorkStore.activity): kept ACTIVITY_KEPT_MS, in buckets of ACTIVITY_BUCKET_MS,
 * by every replica into the shared store, so the chart shows the whole deployment.
 */
export const ACTIVITY_BUCKET_MS = 10_000;
export const ACTIVITY_KEPT_MS = 60 * 60 * 1000;

/** One bucket: the invocations that reached SUCCESS and FAILED in [start, start + ACTIVITY_BUCKET_MS). */
export interface ActivityBucket {
  start: number;
  succeeded: number;
  failed: number;
}

/** The start of the bucket holding `time`. */
export function activityBucket(time: number): number {
  return Math.floor(time / ACTIVITY_BUCKET_MS) * ACTIVITY_BUCKET_MS;
}

/** The bucket starts from the one holding `since` to the one holding `until`, oldest first (at most the kept span). */
export function activityBuckets(since: number, until: number): number[] {
  const first = activityBucket(Math.max(since, until - ACTIVITY_KEPT_MS));
  const starts: number[] = [];
  for (let start = first; start <= until; start += ACTIVITY_BUCKET_MS) starts.push(start);
  return starts;
}
