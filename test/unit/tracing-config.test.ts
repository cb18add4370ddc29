/** Tracing is on only when the standard environment asks for traces. */
import { describe, expect, it } from "vitest";
import { tracingConfigured } from "../../src/telemetry/otel.js";
import { spanContextOf, traceparentOf } from "../../src/telemetry/tracing.js";

describe("tracing configuration", () => {
  it("is off when unset, on with an endpoint or an exporter, off when disabled or 'none'", () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: "nenc" })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(
      tracingConfigured({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }),
    ).toBe(false);
    expect(
      tracingConfigured({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }),
    ).toBe(false);
  });

  it("reads and writes W3C traceparents; refuses an all-zero or malformed one", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const context = spanContextOf(traceparent);
    expect(context).toEqual({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
    });
    expect(traceparentOf(context as NonNullable<typeof context>)).toBe(traceparent);
    expect(spanContextOf("00-00000000000000000000000000000000-b7ad6b7169203331-01")).toBeUndefined();
    expect(spanContextOf("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).toBeUndefined();
    expect(spanContextOf("garbage")).toBeUndefined();
  });
});
