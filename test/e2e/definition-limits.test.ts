/**
 * Trigger and task definitions are checked at the edge, on both stores: int64
 * ranges, enum values, event codes, CEL result types and the CEL step limit; what
 * an older version stored out of range still reads back; an event idempotency key
 * reused for another event is refused.
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, type ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { jsonToValue } from "@nenc/protocol";
import { Health, HealthCheckResponse_ServingStatus } from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import type { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import type {
  ConditionSchema,
  ContextKind,
  TriggerLogic,
  TriggerSchema,
} from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import { EvaluationOutcome, TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { AlreadyExistsError, Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Trigger } from "../../src/domain/trigger.js";
import { deriveTriggerId } from "../../src/domain/trigger.js";
import { rpcError } from "../support/rpc.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const INT64_MAX = 9223372036854775807n;
const SEVEN_DAYS = 604_800_000;

type TriggerInit = MessageInitShape<typeof TriggerSchema>;
type ConditionInit = MessageInitShape<typeof ConditionSchema>;

describe.each(STORE_KINDS)("definitions checked at the edge on %s", (kind) => {
  let server: NencServer;
  let sessions: Http2SessionManager;
  let triggers: ReturnType<typeof createClient<typeof TriggerService>>;
  let apps: ReturnType<typeof createClient<typeof AppService>>;
  let events: ReturnType<typeof createClient<typeof EventService>>;
  let health: ReturnType<typeof createClient<typeof Health>>;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    server = await startTestServer({ kind });
    sessions = new Http2SessionManager(server.url);
    const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
    triggers = createClient(TriggerService, transport);
    apps = createClient(AppService, transport);
    events = createClient(EventService, transport);
    health = createClient(Health, transport);
    await apps.registerApp({ appId: "limits", tasks: [{ id: "sink" }] });
  });

  afterEach(async () => {
    sessions?.abort();
    await server?.stop();
  });

  async function refused(trigger: TriggerInit): Promise<ConnectError> {
    return rpcError(triggers.createTrigger({ trigger: { targetTaskId: "sink", ...trigger } }));
  }

  const onEvent = (code: string, payloadFilter?: string): ConditionInit => ({
    kind: {
      case: "event" as const,
      value: {
        code,
        ...(payloadFilter ? { payloadFilter: { kind: { case: "cel" as const, value: payloadFilter } } } : {}),
      },
    },
  });
  const onCron = (fields: { catchUpWindowMs?: bigint; misfire?: number }): ConditionInit => ({
    kind: { case: "cron" as const, value: { expression: "0 * * * *", ...fields } },
  });

  /** Every stored trigger and task reads back over every RPC that returns one. */
  async function everyReadAnswers(): Promise<void> {
    const listed = await triggers.listTriggers({});
    for (const trigger of listed.triggers) {
      expect((await triggers.getTrigger({ id: trigger.id })).trigger?.id).toBe(trigger.id);
      expect((await triggers.explainTrigger({ id: trigger.id })).trigger?.id).toBe(trigger.id);
    }
    await apps.listTasks({});
  }

  it("int64 durations past 7 days or negative: INVALID_ARGUMENT naming the field and the range", async () => {
    const catchUp = await refused({ conditions: [onCron({ catchUpWindowMs: INT64_MAX })] });
    expect(catchUp.code).toBe(Code.InvalidArgument);
    expect(catchUp.rawMessage).toBe(
      "trigger.conditions[0].cron.catchUpWindowMs: is 9223372036854776000; give milliseconds from 0 (one day) to 604800000 (7 days)",
    );
    const within = await refused({
      conditions: [onEvent("a"), onEvent("b")],
      join: { withinMs: INT64_MAX, correlationKey: "", maxPending: 0 },
    });
    expect(within.code).toBe(Code.InvalidArgument);
    expect(within.rawMessage).toBe(
      "trigger.join.withinMs: is 9223372036854776000; give milliseconds from 0 (no window) to 604800000 (7 days)",
    );
    const negative = await refused({ conditions: [onCron({ catchUpWindowMs: -1n })] });
    expect(negative.rawMessage).toBe("trigger.conditions[0].cron.catchUpWindowMs: must be 0 or positive");
    const backoff = await rpcError(
      apps.registerApp({
        appId: "limits",
        tasks: [{ id: "sink", retry: { maxRetries: 1, maxBackoffMs: INT64_MAX } }],
      }),
    );
    expect(backoff.code).toBe(Code.InvalidArgument);
    expect(backoff.rawMessage).toBe(
      "tasks[0].retry.maxBackoffMs: is 9223372036854776000; must be whole milliseconds from 0 to 604800000 (7 days)",
    );
    const initial = await rpcError(
      apps.registerApp({ appId: "limits", tasks: [{ id: "sink", retry: { initialBackoffMs: -5n } }] }),
    );
    expect(initial.rawMessage).toBe(
      "tasks[0].retry.initialBackoffMs: is -5; must be whole milliseconds from 0 to 604800000 (7 days)",
    );
    // The limits themselves are accepted and read back unchanged.
    const created = await triggers.createTrigger({
      trigger: { targetTaskId: "sink", conditions: [onCron({ catchUpWindowMs: BigInt(SEVEN_DAYS) })] },
    });
    const condition = created.trigger?.conditions[0]?.kind;
    expect(condition?.case === "cron" && condition.value.catchUpWindowMs).toBe(BigInt(SEVEN_DAYS));
    expect((await triggers.listTriggers({})).triggers).toHaveLength(1);
    await everyReadAnswers();
  });

  it("a definition an older version stored out of int64 range still reads back, clamped", async () => {
    const store = server.orchestrator.store;
    const definition = {
      targetTaskId: "sink",
      appId: "limits",
      logic: "and" as const,
      conditions: [
        {
          kind: "cron" as const,
          expression: "0 * * * *",
          timezone: "UTC",
          misfire: "all" as const,
          catchUpWindowMs: 2 ** 63,
        },
        { kind: "event" as const, code: "b" },
      ],
      providers: [],
      join: { withinMs: 1e300, correlationKey: "", maxPending: 0 },
    };
    const trigger: Trigger = {
      ...definition,
      id: deriveTriggerId(definition, "runtime"),
      origin: "runtime",
      paused: false,
      createdAt: 1,
    };
    await store.registry.createTrigger(trigger);
    await store.registry.registerApp({
      appId: "old",
      tasks: [
        {
          id: "old_task",
          appId: "old",
          retry: {
            maxRetries: 1,
            initialBackoffMs: 1000,
            backoffMultiplier: 2,
            maxBackoffMs: 1e19,
            retryOn: [],
          },
        },
      ],
      triggers: [],
    });
    const listed = await triggers.listTriggers({});
    expect(listed.triggers.map((t) => t.id)).toEqual([trigger.id]);
    const read = listed.triggers[0];
    const cron = read?.conditions[0]?.kind;
    expect(cron?.case === "cron" && cron.value.catchUpWindowMs).toBe(INT64_MAX);
    expect(read?.join?.withinMs).toBe(INT64_MAX);
    await everyReadAnswers();
    expect((await triggers.pauseTrigger({ id: trigger.id })).trigger?.paused).toBe(true);
    const tasks = await apps.listTasks({ appId: "old" });
    expect(tasks.tasks.map((task) => [task.id, task.retry?.maxBackoffMs])).toEqual([["old_task", INT64_MAX]]);
  });

  it("unknown enum values: INVALID_ARGUMENT naming the field and the valid values", async () => {
    const misfire = await refused({ conditions: [onCron({ misfire: 99 })] });
    expect(misfire.code).toBe(Code.InvalidArgument);
    expect(misfire.rawMessage).toBe(
      "trigger.conditions[0].cron.misfire: is 99, not one of its values: MISFIRE_POLICY_SKIP (1), MISFIRE_POLICY_ONCE (2), MISFIRE_POLICY_ALL (3), or 0 for the default",
    );
    const logic = await refused({ logic: 99 as TriggerLogic, conditions: [onEvent("a")] });
    expect(logic.rawMessage).toBe(
      "trigger.logic: is 99, not one of its values: TRIGGER_LOGIC_AND (1), TRIGGER_LOGIC_OR (2), or 0 for the default",
    );
    const context = await refused({
      appId: "limits",
      conditions: [onEvent("a")],
      argumentProviders: [
        { kind: { case: "function", value: { function: "f", context: 42 as ContextKind } } },
      ],
    });
    expect(context.rawMessage).toBe(
      "trigger.argumentProviders[0].function.context: is 42, not one of its values: CONTEXT_KIND_STATUS (1), CONTEXT_KIND_RESULT (2), CONTEXT_KIND_EXCEPTION (3), CONTEXT_KIND_EVENT (4), CONTEXT_KIND_CRON (5), or 0 for the default",
    );
    const status = await refused({
      conditions: [
        { kind: { case: "status", value: { taskId: "sink", statuses: [7 as InvocationStatus] } } },
      ],
    });
    expect(status.rawMessage).toBe(
      "trigger.conditions[0].status.statuses[0]: status 7 is not a status; use REGISTERED, PENDING, RUNNING, SUCCESS, FAILED or RETRY",
    );
    expect((await triggers.listTriggers({})).triggers).toHaveLength(0);
  });

  it("an event code no event can have is refused like an emitted one", async () => {
    const error = await refused({ conditions: [onEvent("bad code!")] });
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe(
      'trigger.conditions[0].event.code: "bad code!" may use letters, digits and _ . : - / @ only',
    );
  });

  it("CEL of the wrong type: refused when its form tells, errored at run time otherwise", async () => {
    const filter = await refused({ conditions: [onEvent("a", "1 + 2")] });
    expect(filter.code).toBe(Code.InvalidArgument);
    expect(filter.rawMessage).toBe(
      'trigger.conditions[0].event.payloadFilter: CEL "1 + 2" gives int; a filter must give a bool, e.g. "payload.amount > 5"',
    );
    const provider = await refused({
      conditions: [onEvent("a")],
      argumentProviders: [{ kind: { case: "cel", value: "[1, 2]" } }],
    });
    expect(provider.rawMessage).toBe(
      'trigger.argumentProviders[0]: CEL "[1, 2]" gives list; an argument provider must give a map of named arguments, e.g. {"user": payload.userId}',
    );
    // Types that depend on the data are checked at every evaluation.
    const byFilter = await triggers.createTrigger({
      trigger: { targetTaskId: "sink", conditions: [onEvent("typed", "payload.n")] },
    });
    const byProvider = await triggers.createTrigger({
      trigger: {
        targetTaskId: "sink",
        conditions: [onEvent("typed")],
        argumentProviders: [{ kind: { case: "cel", value: "payload.list" } }],
      },
    });
    await events.emitEvent({ code: "typed", payload: jsonToValue({ n: 3, list: [1, 2] }) });
    await server.orchestrator.settled(15_000);
    const filterRecords = (await triggers.explainTrigger({ id: byFilter.trigger?.id ?? "" })).evaluations;
    expect(filterRecords.map((e) => [e.outcome, e.detail])).toEqual([
      [
        EvaluationOutcome.ERRORED,
        'payloadFilter (CEL "payload.n") failed: CEL "payload.n" gave 3, not a bool',
      ],
    ]);
    const providerRecords = (await triggers.explainTrigger({ id: byProvider.trigger?.id ?? "" })).evaluations;
    expect(providerRecords.map((e) => [e.outcome, e.detail])).toEqual([
      [
        EvaluationOutcome.ERRORED,
        "argument provider 0 returned an array; an argument provider must return an object of named arguments",
      ],
    ]);
  });

  it("CEL past the step limit: refused when known at creation, errored at run time; the server stays responsive", async () => {
    const hundred = `[${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`;
    const cubic = `size(${hundred}.map(a, ${hundred}.map(b, ${hundred}.map(c, a + b + c)))) > 0`;
    const statically = await refused({ conditions: [onEvent("l", cubic)] });
    expect(statically.code).toBe(Code.ResourceExhausted);
    expect(statically.rawMessage).toBe(
      `trigger.conditions[0].event.payloadFilter: CEL "${cubic.slice(0, 80)}…" (${cubic.length} characters) takes at least 1010100 steps at every evaluation; the limit is 100000 (NENC_CEL_MAX_STEPS): iterate over fewer values`,
    );

    const probe = "payload.l.all(a, payload.l.all(b, payload.l.all(c, a + b + c >= 0)))";
    const heavy = await triggers.createTrigger({
      trigger: { targetTaskId: "sink", conditions: [onEvent("l", probe)] },
    });
    const reasonable = await triggers.createTrigger({
      trigger: {
        targetTaskId: "sink",
        conditions: [onEvent("l", "payload.l.exists(x, x == 299) && payload.l.all(x, x >= 0)")],
        argumentProviders: [{ kind: { case: "cel", value: '{"total": payload.l.map(x, x * 2.0).size()}' } }],
      },
    });
    const l = Array.from({ length: 300 }, (_, i) => i);
    await events.emitEvent({ code: "l", payload: jsonToValue({ l }) });
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const explain = async (id: string | undefined) =>
      (await triggers.explainTrigger({ id: id ?? "" })).evaluations;
    await waitFor(
      async () =>
        (await explain(heavy.trigger?.id)).length === 1 &&
        (await explain(reasonable.trigger?.id)).length === 1,
      "both triggers evaluated the event",
    );
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);

    const heavyRecords = (await triggers.explainTrigger({ id: heavy.trigger?.id ?? "" })).evaluations;
    expect(heavyRecords.map((e) => [e.outcome, e.detail])).toEqual([
      [
        EvaluationOutcome.ERRORED,
        `payloadFilter (CEL "${probe}") failed: CEL "${probe}" stopped: it needs more than 100000 steps, the limit (NENC_CEL_MAX_STEPS); a step is one element a macro such as all/exists/map iterates, or one value an operator reads`,
      ],
    ]);
    const fine = (await triggers.explainTrigger({ id: reasonable.trigger?.id ?? "" })).evaluations;
    expect(fine.map((e) => e.outcome)).toEqual([EvaluationOutcome.FIRED]);
    const runs = await server.orchestrator.invocations.list({ taskId: "sink", limit: 10 });
    expect(runs.items.map((run) => run.arguments)).toEqual([{ total: 300 }]);
  });

  it("an idempotency key reused for another event: ALREADY_EXISTS naming the key and the first code", async () => {
    const first = await events.emitEvent({
      code: "order.paid",
      payload: jsonToValue({ id: 1 }),
      idempotencyKey: "k1",
    });
    expect(first.duplicate).toBe(false);
    const again = await events.emitEvent({
      code: "order.paid",
      payload: jsonToValue({ id: 1 }),
      idempotencyKey: "k1",
    });
    expect([again.eventId, again.duplicate]).toEqual([first.eventId, true]);
    const otherCode = await rpcError(
      events.emitEvent({ code: "order.shipped", payload: jsonToValue({ id: 1 }), idempotencyKey: "k1" }),
    );
    expect(otherCode.code).toBe(Code.AlreadyExists);
    expect(otherCode.rawMessage).toBe(
      `idempotencyKey: "k1" was first used by event ${first.eventId} (code "order.paid"); this emission has another code ("order.shipped"): a key names one emission, use a new key for a different event`,
    );
    const otherPayload = await rpcError(
      events.emitEvent({ code: "order.paid", payload: jsonToValue({ id: 2 }), idempotencyKey: "k1" }),
    );
    expect(otherPayload.code).toBe(Code.AlreadyExists);
    expect(otherPayload.rawMessage).toBe(
      `idempotencyKey: "k1" was first used by event ${first.eventId} (code "order.paid"); this emission has the same code and another payload: a key names one emission, use a new key for a different event`,
    );
    expect((await events.listEvents({})).events.map((e) => [e.id, e.code])).toEqual([
      [first.eventId, "order.paid"],
    ]);
  });

  it("an invoke idempotency key reused with other arguments: ALREADY_EXISTS naming the key and the first invocation", async () => {
    const invocations = createClient(
      InvocationService,
      createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }),
    );
    const first = await invocations.invoke({
      taskId: "sink",
      arguments: jsonToValue({ n: 1 }),
      idempotencyKey: "i1",
    });
    const again = await invocations.invoke({
      taskId: "sink",
      arguments: jsonToValue({ n: 1 }),
      idempotencyKey: "i1",
    });
    expect([again.invocation?.id, again.duplicate]).toEqual([first.invocation?.id, true]);
    const other = await rpcError(
      invocations.invoke({ taskId: "sink", arguments: jsonToValue({ n: 2 }), idempotencyKey: "i1" }),
    );
    expect(other.code).toBe(Code.AlreadyExists);
    expect(other.rawMessage).toBe(
      `idempotencyKey: "i1" was used by invocation ${first.invocation?.id} with other arguments; use a new key for another call`,
    );
    // The SDK raises it as a typed error.
    const sdk = new Nenc({ url: server.url, appId: "limits-client" });
    await expect(sdk.invoke("sink", { n: 3 }, { idempotencyKey: "i1" })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    await sdk.close();
    expect((await invocations.listInvocations({ taskId: "sink" })).invocations.length).toBe(1);
  });
});
