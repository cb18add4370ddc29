import type { TaskError } from "./invocation.js";

/** How failed attempts are retried; see the RetryPolicy message of the contract. */
export interface RetryPolicy {
  /** Attempts after the first; 0 = no retry. */
  maxRetries: number;
  /** The wait before the first retry. */
  initialBackoffMs: number;
  /** Each retry waits this many times the one before. */
  backoffMultiplier: number;
  /** No wait is longer. */
  maxBackoffMs: number;
  /** Retry only errors whose chain contains one of these names; empty = any. */
  retryOn: string[];
}

/** The policy of a task that declares none: no retry (the backoffs are the defaults a policy starts from). */
export const NO_RETRY: RetryPolicy = {
  maxRetries: 0,
  initialBackoffMs: 1000,
  backoffMultiplier: 2,
  maxBackoffMs: 60_000,
  retryOn: [],
};

/** The longest task timeout (7 days): also keeps every timer under setTimeout's 2^31-1 ms. */
export const MAX_TASK_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

/**
 * A registered task: its id (its name, shared by every language), the app whose
 * workers run it, and its run options. The function itself lives only in the workers.
 */
export interface Task {
  id: string;
  /** The app that registered it; its workers run it. */
  appId: string;
  retry: RetryPolicy;
  /**
   * An attempt not ended this long after its delivery fails with TimeoutError
   * (see timeoutError); absent: no limit.
   */
  timeoutMs?: number;
}

/** The exception type of an attempt that ran past its task's timeout (what onException matches). */
export const TIMEOUT_ERROR_TYPE = "TimeoutError";

/** The error recorded for an attempt that ran past its task's timeout. */
export function timeoutError(taskId: string, attempt: number, timeoutMs: number): TaskError {
  return {
    type: TIMEOUT_ERROR_TYPE,
    message: `attempt ${attempt} of task "${taskId}" did not end within its timeoutMs of ${timeoutMs} ms`,
    chain: [TIMEOUT_ERROR_TYPE],
    stack: "",
  };
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
