import type { TaskError } from "./invocation.js";

/** How failed attempts are retried; see the RetryPolicy message of the contract. */
export interface RetryPolicy {
  maxRetries: number;
  initialBackoffMs: number;
  backoffMultiplier: number;
  maxBackoffMs: number;
  /** Retry only errors whose chain contains one of these names; empty = any. */
  retryOn: string[];
}

export const NO_RETRY: RetryPolicy = {
  maxRetries: 0,
  initialBackoffMs: 1000,
  backoffMultiplier: 2,
  maxBackoffMs: 60_000,
  retryOn: [],
};

export interface Task {
  id: string;
  appId: string;
  retry: RetryPolicy;
}

/**
 * Decides what a failed attempt becomes: a retry after a backoff, or the final failure.
 * `attempt` is the number of the attempt that failed (1 for the first).
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  error: TaskError,
): { retry: false } | { retry: true; delayMs: number } {
  if (attempt > policy.maxRetries) return { retry: false };
  if (policy.retryOn.length > 0 && !policy.retryOn.some((name) => error.chain.includes(name))) {
    return { retry: false };
  }
  const delay = policy.initialBackoffMs * policy.backoffMultiplier ** (attempt - 1);
  return { retry: true, delayMs: Math.min(Math.max(0, Math.round(delay)), policy.maxBackoffMs) };
}
