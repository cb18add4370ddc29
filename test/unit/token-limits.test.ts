import { describe, expect, it } from "vitest";
import { TokenLimits } from "../../src/transport/token-limits.js";

describe("TokenLimits", () => {
  it("refills each token's bucket at its rate, up to the burst", () => {
    const clock = { now: 0 };
    const limits = new TokenLimits(
      { maxStreamsPerToken: 1, ratePerToken: 2, burstPerToken: 3 },
      () => clock.now,
    );
    for (let i = 0; i < 3; i++) limits.spend("a");
    expect(() => limits.spend("a")).toThrow(/more than 2 requests a second \(bursts of 3\)/);
    limits.spend("b");
    clock.now += 500; // one request's worth at 2/s
    limits.spend("a");
    expect(() => limits.spend("a")).toThrow(/NENC_RATE_PER_TOKEN/);
    clock.now += 60_000; // a long pause refills to the burst, not beyond
    for (let i = 0; i < 3; i++) limits.spend("a");
    expect(() => limits.spend("a")).toThrow(/NENC_RATE_PER_TOKEN/);
  });

  it("counts streams per token; a release gives the place back once", () => {
    const limits = new TokenLimits({ maxStreamsPerToken: 2, ratePerToken: 1, burstPerToken: 1 });
    const first = limits.openStream("a");
    limits.openStream("a");
    expect(() => limits.openStream("a")).toThrow("NENC_MAX_STREAMS_PER_TOKEN=2");
    first();
    first();
    expect(limits.openStreams("a")).toBe(1);
    limits.openStream("a");
    expect(limits.openStreams("b")).toBe(0);
  });

  it("refuses settings that would make no sense, naming them", () => {
    expect(() => new TokenLimits({ maxStreamsPerToken: 0, ratePerToken: 1, burstPerToken: 1 })).toThrow(
      "maxStreamsPerToken must be a positive integer, got 0",
    );
    expect(() => new TokenLimits({ maxStreamsPerToken: 1, ratePerToken: 0, burstPerToken: 1 })).toThrow(
      "NENC_RATE_PER_TOKEN",
    );
  });
});
