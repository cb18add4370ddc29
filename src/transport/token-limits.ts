import { Code, ConnectError } from "@connectrpc/connect";
import { quote } from "../domain/errors.js";

/** What one token may hold and spend (docs/design.md §6); only with --auth-tokens. */
export interface TokenLimitOptions {
  /** Streams open at once under one token (worker, watch, session, health watch streams). */
  maxStreamsPerToken: number;
  /** Requests per second one token may make, sustained (calls, and each Session invoke or watch). */
  ratePerToken: number;
  /** Requests one token may make at once above the sustained rate (the bucket's size). */
  burstPerToken: number;
}

export const DEFAULT_TOKEN_LIMITS: TokenLimitOptions = {
  maxStreamsPerToken: 1_000,
  ratePerToken: 5_000,
  burstPerToken: 10_000,
};

/** A token bucket: `level` requests left at time `at` (ms). */
interface Bucket {
  level: number;
  at: number;
}

/**
 * Per-token limits that hold under abuse: open streams counted per token, and
 * requests drawn from a token bucket per token. Past either, RESOURCE_EXHAUSTED
 * names the limit and its setting; what one token does never starves another.
 */
export class TokenLimits {
  private readonly streams = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: TokenLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    const { maxStreamsPerToken, ratePerToken, burstPerToken } = options;
    if (!(Number.isFinite(ratePerToken) && ratePerToken > 0))
      throw new Error(`ratePerToken (NENC_RATE_PER_TOKEN) must be a positive number, got ${ratePerToken}`);
    for (const [name, value] of Object.entries({ maxStreamsPerToken, burstPerToken }))
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`${name} must be a positive integer, got ${value}`);
  }

  /** Spends one request of `token`'s bucket, or throws RESOURCE_EXHAUSTED. */
  spend(token: string): void {
    const { ratePerToken, burstPerToken } = this.options;
    const now = this.now();
    const bucket = this.buckets.get(token) ?? { level: burstPerToken, at: now };
    bucket.level = Math.min(burstPerToken, bucket.level + ((now - bucket.at) / 1000) * ratePerToken);
    bucket.at = now;
    if (bucket.level < 1) {
      this.buckets.set(token, bucket);
      throw exhausted(
        `token ${quote(token)} made more than ${ratePerToken} requests a second (bursts of ${burstPerToken}), its limit (NENC_RATE_PER_TOKEN, NENC_RATE_BURST_PER_TOKEN); slow down and retry`,
      );
    }
    bucket.level -= 1;
    // One bucket per token name: as many as the tokens file holds.
    this.buckets.set(token, bucket);
  }

  /** Counts a stream in under `token` (or throws); returns the function that counts it out, once. */
  openStream(token: string): () => void {
    const open = this.streams.get(token) ?? 0;
    const { maxStreamsPerToken } = this.options;
    if (open >= maxStreamsPerToken)
      throw exhausted(
        `token ${quote(token)} has ${open} streams open, its limit (NENC_MAX_STREAMS_PER_TOKEN=${maxStreamsPerToken}); close some first`,
      );
    this.streams.set(token, open + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.streams.get(token) ?? 1) - 1;
      if (left === 0) this.streams.delete(token);
      else this.streams.set(token, left);
    };
  }

  /** Streams open under `token` now. */
  openStreams(token: string): number {
    return this.streams.get(token) ?? 0;
  }
}

function exhausted(message: string): ConnectError {
  return new ConnectError(message, Code.ResourceExhausted);
}
