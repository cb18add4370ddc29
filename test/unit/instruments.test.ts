/** The metrics' own instruments render as prom-client's would; label caps and timed stores count exactly. */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { Counter, Histogram } from "../../src/telemetry/instruments.js";
import { LabelCap, OTHER_LABEL } from "../../src/telemetry/label-cap.js";
import { timedStore } from "../../src/telemetry/timed-store.js";

describe("instruments", () => {
  it("render counters and cumulative histogram buckets in the Prometheus text format", async () => {
    const registry = new Registry();
    const counter = new Counter("c_total", "a counter", ["task", "status"], registry);
    const histogram = new Histogram("h_seconds", "a histogram", ["op"], [0.1, 1], registry);
    counter.inc(["a", "SUCCESS"]);
    counter.inc(["a", "SUCCESS"], 2);
    counter.inc(["b", "FAILED"]);
    const series = histogram.series(["x"]);
    for (const value of [0.05, 0.1, 0.5, 5]) series.observe(value);
    expect(await registry.metrics()).toBe(
      [
        "# HELP c_total a counter",
        "# TYPE c_total counter",
        'c_total{task="a",status="SUCCESS"} 3',
        'c_total{task="b",status="FAILED"} 1',
        "",
        "# HELP h_seconds a histogram",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{op="x",le="0.1"} 2',
        'h_seconds_bucket{op="x",le="1"} 3',
        'h_seconds_bucket{op="x",le="+Inf"} 4',
        'h_seconds_sum{op="x"} 5.65',
        'h_seconds_count{op="x"} 4',
        "",
      ].join("\n"),
    );
  });

  it("a label cap keeps the first values and reports the rest as _other", () => {
    const cap = new LabelCap(2);
    expect(["a", "b", "c", "a", "d", "b"].map((value) => cap.of(value))).toEqual([
      "a",
      "b",
      OTHER_LABEL,
      "a",
      OTHER_LABEL,
      "b",
    ]);
  });

  it("a timed store observes each request once under role.method, and leaves the blocking reads out", async () => {
    const observed = new Map<string, number>();
    const store = timedStore(new MemoryStore(), (op) => ({
      observe: () => observed.set(op, (observed.get(op) ?? 0) + 1),
    }));
    await store.registry.registerApp({
      appId: "app",
      tasks: [{ id: "t", appId: "app" } as never],
      triggers: [],
    });
    await store.registry.getTask("t");
    await store.registry.getTask("t");
    await store.log.readOccurrences("r", 10, 0, new AbortController().signal);
    expect(Object.fromEntries(observed)).toEqual({ "registry.registerApp": 1, "registry.getTask": 2 });
    await store.close();
  });
});
