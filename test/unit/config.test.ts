import { describe, expect, it } from "vitest";
import { readEnvironment } from "../../src/cli/config.js";

describe("environment configuration", () => {
  it("reads the retention settings, NENC_RETENTION_MARKER_MS included", () => {
    const config = readEnvironment({
      NENC_RETENTION_INVOCATIONS: "500",
      NENC_RETENTION_MARKER_MS: "86400000",
      NENC_RECLAIM_AFTER_MS: "5000",
    });
    expect(config.retention).toEqual({ maxFinishedInvocations: 500, markerRetentionMs: 86_400_000 });
    expect(config.reclaimAfterMs).toBe(5000);
    expect(readEnvironment({}).retention).toEqual({});
  });

  it("refuses a value that is not a non-negative number, naming the variable", () => {
    expect(() => readEnvironment({ NENC_RETENTION_MARKER_MS: "a week" })).toThrow(
      'NENC_RETENTION_MARKER_MS: "a week" is not a non-negative number',
    );
  });
});
