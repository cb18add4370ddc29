/**
 * The worker stream's message sequences, fuzzed (issue 15 item 6): workers that
 * say hello or not, report assignments they hold, never held or hold twice, report
 * with bytes that are not JSON, announce, drain, reconnect under the same id, in any
 * order. Each stream ends without an INTERNAL error, the orchestrator keeps serving,
 * and once every worker is gone the store's invariants hold (no invocation lost or
 * queued twice, the counters equal to the lists).
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { jsonToValue } from "@nenc/protocol";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { ConnectRequestSchema } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import fc from "fast-check";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, it } from "vitest";
import { arbitraryMessage } from "../support/arbitrary-message.js";
import { fuzzRuns, fuzzTimeout } from "../support/fuzz.js";
import { openRawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { checkStoreInvariants } from "../support/store-invariants.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

/** What the fuzzed worker does next; `pick` chooses among the assignments it received (or a made-up id). */
type Step =
  | { kind: "started" | "completed" | "failed" | "reports"; pick: number; result: string }
  | { kind: "heartbeat" | "drain" | "hello" }
  | { kind: "announce"; functions: string[] }
  | { kind: "any"; init: Record<string, unknown> };

const RESULTS = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((json) => JSON.stringify(json)),
  fc.constantFrom("", "{", "NaN", "[1,", '"\\ud800"', "null"),
);

const STEP: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom("started", "completed", "failed", "reports"),
      pick: fc.integer({ min: -1, max: 8 }),
      result: RESULTS,
    }) as fc.Arbitrary<Step>,
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom("heartbeat", "drain", "hello") }) as fc.Arbitrary<Step>,
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("announce"),
      functions: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    }) as fc.Arbitrary<Step>,
  },
  {
    weight: 1,
    arbitrary: arbitraryMessage(ConnectRequestSchema, { maxDepth: 3 }).map(
      (init) => ({ kind: "any", init }) as Step,
    ),
  },
);

const HELLO = fc.record({
  workerId: fc.constantFrom("w1", "w2", "w3"),
  concurrency: fc.integer({ min: 0, max: 4 }),
  prefetch: fc.integer({ min: 0, max: 3 }),
  taskIds: fc.constantFrom(["job"], ["job", "other"], [], ["nope"]),
  heldAssignmentIds: fc.constantFrom([], ["a-made-up-one"]),
  jsonValues: fc.boolean(),
  batches: fc.boolean(),
});

const bytes = (text: string) => new TextEncoder().encode(text);

/** The wire message of a step, given the assignments the worker received so far. */
function messageOf(step: Step, received: readonly string[], hello: object) {
  if (step.kind === "any") return create(ConnectRequestSchema, step.init as never).message;
  if (step.kind === "heartbeat") return { case: "heartbeat" as const, value: {} };
  if (step.kind === "drain") return { case: "drain" as const, value: {} };
  if (step.kind === "hello") return { case: "hello" as const, value: { appId: "wz", ...hello } };
  if (step.kind === "announce")
    return { case: "functionsAnnounced" as const, value: { functions: step.functions } };
  if (!("pick" in step)) return undefined;
  const assignmentId =
    step.pick < 0 || received.length === 0 ? "made-up" : (received[step.pick % received.length] as string);
  const completed = { assignmentId, resultJson: bytes(step.result) };
  const failed = { assignmentId, error: { type: "Boom", message: step.result, chain: ["Boom"] } };
  if (step.kind === "started") return { case: "started" as const, value: { assignmentId } };
  if (step.kind === "completed") return { case: "completed" as const, value: completed };
  if (step.kind === "failed") return { case: "failed" as const, value: failed };
  return {
    case: "reports" as const,
    value: { started: [{ assignmentId }], completed: [completed], failed: [failed] },
  };
}

describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))("worker streams, fuzzed, on %s", (kind) => {
  let server: NencServer;
  let sessions: Http2SessionManager;

  beforeAll(async () => {
    server = await startTestServer({ kind, orchestrator: { maxPayloadBytes: 4096, leaseMs: 60_000 } });
    sessions = new Http2SessionManager(server.url);
    const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
    await createClient(AppService, transport).registerApp({
      appId: "wz",
      tasks: [{ id: "job", retry: { maxRetries: 1 } }, { id: "other" }],
    });
    const invocations = createClient(InvocationService, transport);
    for (let i = 0; i < 40; i++)
      await invocations.invoke({ taskId: i % 4 ? "job" : "other", arguments: jsonToValue({ i }) });
  });

  afterAll(async () => {
    sessions?.abort();
    await server?.stop();
  });

  /** Runs one worker's sequence; resolves with the stream's error, if it ended with one. */
  async function runSequence(hello: object, steps: Step[]) {
    const raw = openRawWorker(server.url);
    const received: string[] = [];
    let answered: () => void = () => {};
    const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
    const reading = (async () => {
      for (;;) {
        const message = (await raw.next()).message;
        answered();
        if (message.case === "assignment") received.push(message.value.assignmentId);
        if (message.case === "assignments")
          received.push(...message.value.items.map((item) => item.assignmentId));
      }
    })().catch(() => answered());
    raw.send({ case: "hello", value: { appId: "wz", ...hello } });
    await firstAnswer;
    for (const step of steps) {
      const message = messageOf(step, received, hello);
      if (message?.case !== undefined) raw.send(message as never);
      await new Promise((resolve) => setImmediate(resolve));
    }
    raw.close();
    const ended = await raw.ended;
    await reading;
    return ended;
  }

  it(
    "no sequence ends a stream with INTERNAL; with every worker gone, the store's invariants hold",
    async () => {
      await fc.assert(
        fc.asyncProperty(HELLO, fc.array(STEP, { maxLength: 12 }), async (hello, steps) => {
          const ended = await runSequence(hello, steps);
          const code = ended ? ConnectError.from(ended).code : undefined;
          if (code === Code.Internal || code === Code.Unknown)
            throw new Error(
              `a worker stream ended with ${Code[code]}: ${ConnectError.from(ended).rawMessage}`,
            );
          // Its stream closed: the worker is released (lease, profile, what it held), never a ghost.
          await waitFor(
            async () => (await server.orchestrator.store.work.liveWorkers(Date.now())).length === 0,
            "the closed worker released",
            5_000,
          );
        }),
        { numRuns: fuzzRuns(150) },
      );
      // Every stream has ended: what they held goes back to the queues.
      const store = server.orchestrator.store;
      await waitFor(
        async () => {
          const held = await Promise.all(
            (["PENDING", "RUNNING"] as const).map((status) =>
              store.work.listInvocations({ status, limit: 1 }),
            ),
          );
          return held.every((page) => page.items.length === 0);
        },
        "every held invocation released",
        20_000,
      );
      await checkStoreInvariants(store);
    },
    fuzzTimeout(180_000),
  );
});
