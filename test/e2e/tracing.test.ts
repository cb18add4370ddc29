/**
 * Traces across triggers (docs/design.md §5): an orchestrator process exports its
 * spans as OTLP/HTTP JSON to a local receiver (configured by the standard OTEL_*
 * environment); this process is the application, with OpenTelemetry's SDK keeping
 * the worker's spans. The caller's trace continues through Invoke to the worker, a
 * triggered invocation continues the trace of what fired it, an AND join links
 * every participant, an event carries its emitter's context, a cron slot starts a trace.
 */

import { Nenc, TriggerBuilder } from "@nenc/sdk";
import { type SpanContext, trace } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { NencServer } from "nenc/server";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { type Replica, startReplica, startServeProcess } from "../support/replicas.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const workerSpans = new InMemorySpanExporter();
const sdk = new NodeSDK({
  serviceName: "traced-app",
  spanProcessors: [new SimpleSpanProcessor(workerSpans)],
  instrumentations: [],
  metricReaders: [],
  logRecordProcessors: [],
});

beforeAll(() => sdk.start());
afterAll(() => sdk.shutdown());

describe.each(STORE_KINDS)("traces on %s", (kind) => {
  let receiver: OtlpReceiver;
  let server: Replica | undefined;
  let app: Nenc | undefined;

  afterEach(async () => {
    await app?.close();
    await server?.stop();
    await receiver?.stop();
    workerSpans.reset();
  });

  it("continue from the caller through triggers, link an AND join's participants, start at a cron slot", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    receiver = new OtlpReceiver();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(),
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "nenc-under-test",
      OTEL_TRACES_SAMPLER: "parentbased_always_on",
      OTEL_BSP_SCHEDULE_DELAY: "50",
    };
    server =
      kind === "redis"
        ? await startReplica(inject("redisUrl"), uniquePrefix(), env)
        : await startServeProcess([], env);
    app = new Nenc({ url: server.url, appId: "traced" });
    const source = app.task("source", async ({ n }: { n: number }) => n);
    app.task("follow", async ({ n }: { n: number }) => n, {
      triggers: new TriggerBuilder().onSuccess(source).withArgsFromCel("{'n': result}"),
    });
    app.task("joined", async () => "joined", {
      triggers: new TriggerBuilder().onSuccess(source).onEvent("go").withLogic("and"),
    });
    app.task("ticked", async () => "tick", { triggers: new TriggerBuilder().onCron("* * * * * *") });
    await app.startWorker({ concurrency: 4 });

    const tracer = trace.getTracer("test");
    const caller = await tracer.startActiveSpan("caller", async (span): Promise<SpanContext> => {
      await (await source.invoke({ n: 1 })).result();
      span.end();
      return span.spanContext();
    });
    const emitter = await tracer.startActiveSpan("emitter", async (span): Promise<SpanContext> => {
      await app?.trigger.emitEvent("go", {});
      span.end();
      return span.spanContext();
    });
    const ids = async (target: string): Promise<string> =>
      (await app?.trigger.list({ targetTaskId: target }))?.[0]?.id ?? "";
    const [followTrigger, joinTrigger, cronTrigger] = await Promise.all([
      ids("follow"),
      ids("joined"),
      ids("ticked"),
    ]);
    const worker = (name: string) =>
      waitFor(
        () => workerSpans.getFinishedSpans().find((span) => span.name === name),
        `the worker's ${name} span`,
      );
    const exported = (name: string) =>
      waitFor(
        () => receiver.spans.find((span) => span.name === name),
        `the orchestrator's "${name}" span`,
        15_000,
      );
    const [sourceSpan, followSpan, joinedSpan, tickedSpan] = await Promise.all([
      worker("source"),
      worker("follow"),
      worker("joined"),
      worker("ticked"),
    ]);
    await app.trigger.pause(cronTrigger);
    const [invoked, fired, emitted, joined] = await Promise.all([
      exported("invoke source"),
      exported(`trigger ${followTrigger}`),
      exported("emit go"),
      exported(`trigger ${joinTrigger}`),
    ]);
    const slot = await exported(`cron ${cronTrigger}`);

    // Invoke: the orchestrator's span is the caller's child; the worker's span is its child.
    expect(invoked).toMatchObject({
      traceId: caller.traceId,
      parentSpanId: caller.spanId,
      service: "nenc-under-test",
    });
    expect(invoked.attributes).toMatchObject({
      "messaging.system": "nenc",
      "messaging.destination.name": "source",
    });
    expectChild(sourceSpan, invoked);
    // A single-source trigger: same trace, a child of the source invocation's context.
    expect(fired).toMatchObject({ traceId: caller.traceId, parentSpanId: invoked.spanId, links: [] });
    expectChild(followSpan, fired);
    expect(followSpan.spanContext().traceId).toBe(sourceSpan.spanContext().traceId);
    // An event carries its emitter's context; the AND join links both participants.
    expect(emitted).toMatchObject({ traceId: emitter.traceId, parentSpanId: emitter.spanId });
    expect(joined).toMatchObject({ traceId: emitter.traceId, parentSpanId: emitted.spanId });
    expect(joined.links).toEqual(
      expect.arrayContaining([
        { traceId: invoked.traceId, spanId: invoked.spanId },
        { traceId: emitted.traceId, spanId: emitted.spanId },
      ]),
    );
    expect(joined.links).toHaveLength(2);
    expectChild(joinedSpan, joined);
    // A cron slot starts a trace of its own.
    expect(slot.parentSpanId).toBe("");
    expect([caller.traceId, emitter.traceId]).not.toContain(slot.traceId);
    expectChild(tickedSpan, slot);
  });
});

/** The worker's span is a child of the orchestrator's exported span (same trace, that parent). */
function expectChild(span: ReadableSpan, parent: ReceivedSpan): void {
  expect({ traceId: span.spanContext().traceId, parentSpanId: span.parentSpanContext?.spanId }).toEqual({
    traceId: parent.traceId,
    parentSpanId: parent.spanId,
  });
}

describe("without an exporter on the orchestrator", () => {
  let server: NencServer | undefined;
  let app: Nenc | undefined;
  afterEach(async () => {
    await app?.close();
    await server?.stop();
    workerSpans.reset();
  });

  it("hands the caller's context on as it came: the worker spans are the caller's children; a bad traceparent is ignored", async () => {
    server = await startTestServer();
    app = new Nenc({ url: server.url, appId: "propagated" });
    const source = app.task("source", async () => 1);
    app.task("follow", async () => 2, { triggers: new TriggerBuilder().onSuccess(source) });
    await app.startWorker();
    const caller = await trace.getTracer("test").startActiveSpan("caller", async (span) => {
      await (await source.invoke({})).result();
      span.end();
      return span.spanContext();
    });
    const follow = await waitFor(
      () => workerSpans.getFinishedSpans().find((span) => span.name === "follow"),
      "the follow span",
    );
    const sourceSpan = workerSpans.getFinishedSpans().find((span) => span.name === "source");
    for (const span of [sourceSpan, follow])
      expect([span?.spanContext().traceId, span?.parentSpanContext?.spanId]).toEqual([
        caller.traceId,
        caller.spanId,
      ]);
    // Not a W3C traceparent: dropped, the invocation carries none.
    const invoked = await fetch(`${server.url}/nenc.v1.InvocationService/Invoke`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: "00-zz-not-a-trace-01" },
      body: JSON.stringify({ taskId: "source" }),
    });
    const { invocation } = (await invoked.json()) as { invocation: { id: string; traceparent?: string } };
    expect(invocation.traceparent).toBeUndefined();
    const header = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const withHeader = await fetch(`${server.url}/nenc.v1.InvocationService/Invoke`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: header },
      body: JSON.stringify({ taskId: "source" }),
    });
    expect(
      ((await withHeader.json()) as { invocation: { traceparent: string } }).invocation.traceparent,
    ).toBe(header);
  });
});
