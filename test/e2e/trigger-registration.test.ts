/**
 * Trigger definitions: ids, deploys, runtime triggers over RPC (and buf curl), and
 * every kind of bad definition answered with the field and the fix.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Code, type ConnectError } from "@connectrpc/connect";
import { cel, type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";

const run = promisify(execFile);
let server: NencServer;
let app: Nenc;

beforeEach(async () => {
  server = await startTestServer();
  app = new Nenc({ url: server.url, appId: "registry" });
});

afterEach(async () => {
  await app.close();
  await server.stop();
});

function isVip(args: JsonObject): boolean {
  return args.vip === true;
}

describe("trigger identity and lifecycle", () => {
  it("ids derive from every semantic field: builders differing only in arguments are two triggers", async () => {
    const source = app.task("id_source", async () => 1);
    app.task("id_target", async () => 1, {
      triggers: [
        new TriggerBuilder().onSuccess(source).withArgsStatic({ level: "info" }),
        new TriggerBuilder().onSuccess(source).withArgsStatic({ level: "warn" }),
        new TriggerBuilder().onStatus(source, { statuses: ["success"] }).withArgsStatic({ level: "info" }),
      ],
    });
    const ids = await app.register();
    expect(ids).toHaveLength(3);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe(ids[0]); // "success" and onSuccess are the same trigger
    expect(await app.trigger.list()).toHaveLength(2);
  });

  it("a new registration of an app replaces the triggers it declared before; runtime triggers stay", async () => {
    const v1 = new Nenc({ url: server.url, appId: "deployed" });
    const source = v1.task("deploy_source", async () => 1);
    v1.task("deploy_target", async () => 1, { triggers: new TriggerBuilder().onSuccess(source) });
    const [oldId] = await v1.register();
    const runtimeId = await v1.trigger.onEvent("manual").register("deploy_target");

    const v2 = new Nenc({ url: server.url, appId: "deployed" });
    v2.task("deploy_source", async () => 1);
    v2.task("deploy_target", async () => 1, { triggers: new TriggerBuilder().onFailure("deploy_source") });
    const [newId] = await v2.register();
    const remaining = (await v2.trigger.list()).map((trigger) => [trigger.id, trigger.origin]).sort();
    expect(remaining).toEqual(
      [
        [newId, "declared"],
        [runtimeId, "runtime"],
      ].sort(),
    );
    expect(remaining.some(([id]) => id === oldId)).toBe(false);
    await v1.close();
    await v2.close();
  });

  it("runtime triggers: create (idempotent), list, pause, resume, delete over RPC", async () => {
    app.task("rt_target", async () => 1);
    await app.register();
    const first = await app.trigger
      .onEvent("rt.event", { payloadFilter: cel("payload.n > 1") })
      .register("rt_target");
    const again = await app.trigger
      .onEvent("rt.event", { payloadFilter: cel("payload.n > 1") })
      .register("rt_target");
    expect(again).toBe(first);
    expect((await app.trigger.list()).map((trigger) => [trigger.id, trigger.paused])).toEqual([
      [first, false],
    ]);
    await app.trigger.pause(first);
    expect((await app.trigger.list())[0]!.paused).toBe(true);
    await app.trigger.resume(first);
    await app.trigger.delete(first);
    expect(await app.trigger.list()).toEqual([]);
    const error = await app.trigger.delete(first).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NOT_FOUND", message: `trigger "${first}" not found` });
  });

  it("buf curl creates a trigger and emits an event that runs a task", async () => {
    const seen: JsonObject[] = [];
    app.task("curl_target", async (args: JsonObject) => {
      seen.push(args);
      return "ran";
    });
    await app.startWorker();
    const curl = (method: string, body: object) =>
      run(
        "node_modules/.bin/buf",
        [
          "curl",
          "--protocol",
          "grpc",
          "--http2-prior-knowledge",
          "-d",
          JSON.stringify(body),
          `${server.url}/${method}`,
        ],
        { encoding: "utf8" },
      ).then(({ stdout }) => JSON.parse(stdout));
    const created = await curl("nenc.v1.TriggerService/CreateTrigger", {
      trigger: {
        targetTaskId: "curl_target",
        conditions: [{ event: { code: "user.login", payloadFilter: { value: { role: "admin" } } } }],
        argumentProviders: [{ cel: "{'user': payload.userId}" }],
      },
    });
    expect(created).toMatchObject({
      trigger: { id: expect.stringMatching(/^trg_/), targetTaskId: "curl_target" },
      created: true,
    });
    const emitted = await curl("nenc.v1.EventService/EmitEvent", {
      code: "user.login",
      payload: { userId: "u1", role: "admin" },
    });
    expect(emitted.eventId).toMatch(/^evt_/);
    await server.orchestrator.settled();
    expect(seen).toEqual([{ user: "u1" }]);
    const listed = await curl("nenc.v1.InvocationService/ListInvocations", { taskId: "curl_target" });
    expect(listed.invocations).toHaveLength(1);
    expect(listed.invocations[0]).toMatchObject({
      taskId: "curl_target",
      status: "SUCCESS",
      arguments: { user: "u1" },
      result: "ran",
    });
  });
});

describe("bad definitions are refused with the field and the fix", () => {
  async function rejection(builder: TriggerBuilder | (() => TriggerBuilder)): Promise<ConnectError | Error> {
    const target = `bad_${Math.random().toString(36).slice(2, 8)}`;
    const client = new Nenc({ url: server.url, appId: target });
    try {
      client.task("source_task", async () => 1);
      client.task(target, async () => 1, { triggers: typeof builder === "function" ? builder() : builder });
      await client.register();
      throw new Error("expected a rejection");
    } catch (error) {
      return error as Error;
    } finally {
      await client.close();
    }
  }

  it("an invalid cron expression, field count and time zone", async () => {
    expect((await rejection(new TriggerBuilder().onCron("61 * * * *"))).message).toBe(
      'triggers[0].conditions[0].cron.expression: invalid cron expression "61 * * * *": Constraint error, got value 61 expected range 0-59',
    );
    expect(() => new TriggerBuilder().onCron("* * *")).toThrow(
      'onCron: "* * *" has 3 fields; use 5, or 6 with seconds first',
    );
    expect(
      (await rejection(new TriggerBuilder().onCron("0 9 * * *", { timezone: "Mars/Olympus" }))).message,
    ).toBe(
      'triggers[0].conditions[0].cron.timezone: unknown time zone "Mars/Olympus"; use an IANA name such as "Europe/Paris"',
    );
  });

  it("invalid CEL, with the position; an unknown variable", async () => {
    expect(
      (
        await rejection(
          new TriggerBuilder().onSuccess("source_task", { callArguments: cel("arguments.amount >") }),
        )
      ).message,
    ).toBe(
      "triggers[0].conditions[0].status.callArguments: invalid CEL: at 1:18: found > but expecting end of input",
    );
    expect(
      (
        await rejection(
          new TriggerBuilder().onSuccess("source_task", { callArguments: cel("argumens.amount > 1") }),
        )
      ).message,
    ).toBe(
      'triggers[0].conditions[0].status.callArguments: invalid CEL: unknown variable "argumens"; available here: invocationId, taskId, arguments, status, timestamp, attempt, result, exceptionType, exceptionMessage, exceptionChain',
    );
  });

  it("an unknown status is refused at build time; over RPC an unspecified one is refused with its field", async () => {
    expect(() => new TriggerBuilder().onStatus("source_task", { statuses: ["DONE"] })).toThrow(
      'onStatus: unknown status "DONE"; use one of REGISTERED, PENDING, RUNNING, SUCCESS, FAILED, RETRY',
    );
    const error = await app.clients.triggers
      .createTrigger({
        trigger: {
          targetTaskId: "nothing",
          conditions: [{ kind: { case: "status", value: { taskId: "t", statuses: [9 as never] } } }],
        },
      })
      .catch((e: unknown) => e as ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(
      /^trigger\.conditions\[0\]\.status\.statuses\[0\]: status 9 is not a status/,
    );
  });

  it("runtime triggers: an unknown target task is NOT_FOUND; no condition or a non-object static is INVALID_ARGUMENT", async () => {
    const missing = await app.trigger
      .onEvent("x")
      .register("ghost_task")
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({
      code: "NOT_FOUND",
      message: 'task "ghost_task" not found; trigger.targetTaskId must name a registered task',
    });
    app.task("real_target", async () => 1);
    await app.register();
    const empty = await app.clients.triggers
      .createTrigger({ trigger: { targetTaskId: "real_target" } })
      .catch((e: unknown) => e);
    expect((empty as ConnectError).rawMessage).toBe(
      "trigger.conditions: needs at least one condition (onStatus, onEvent, onCron...)",
    );
    const staticArray = await app.clients.triggers
      .createTrigger({
        trigger: {
          targetTaskId: "real_target",
          conditions: [{ kind: { case: "event", value: { code: "x" } } }],
          argumentProviders: [
            { kind: { case: "static", value: { kind: { case: "stringValue", value: "nope" } } } },
          ],
        },
      })
      .catch((e: unknown) => e);
    expect((staticArray as ConnectError).rawMessage).toBe(
      "trigger.argumentProviders[0].static: must be a JSON object of named arguments",
    );
  });

  it("within/correlateBy on OR, and filters that are not objects, are refused at build time", async () => {
    expect(() => new TriggerBuilder().onEvent("a").onEvent("b").withLogic("or").within(100).build()).toThrow(
      "TriggerBuilder: within() and correlateBy() apply to AND triggers with several conditions",
    );
    expect(() => new TriggerBuilder().onSuccess("t", { callArguments: 5 as never })).toThrow(
      "onStatus: callArguments must be an object of keys to match, cel(...), or a named function",
    );
    expect(() => new TriggerBuilder().withLogic("xor" as never)).toThrow(
      'withLogic: "xor" is not "and" or "or"',
    );
    expect(() => new TriggerBuilder().build()).toThrow("TriggerBuilder: add a condition");
  });
});

describe("function identity (docs/design.md §3.7)", () => {
  it("refuses anonymous inline functions at build time, saying why", () => {
    expect(() => new TriggerBuilder().onEvent("e").withArgsFromEvent((ctx) => ({ id: ctx.eventId }))).toThrow(
      /^withArgsFromEvent: an anonymous inline function cannot be identified across the app's processes; declare it as a named function/,
    );
  });

  it("tells two closures over different values apart, and accepts the same function twice", () => {
    const makeFilter = (threshold: number) =>
      function overThreshold(args: JsonObject): boolean {
        return Number(args.amount) > threshold;
      };
    const other = new Nenc({ url: server.url, appId: "closures" });
    other.task("closure_a", async () => 1, {
      triggers: new TriggerBuilder().onSuccess("x", { callArguments: makeFilter(10) }),
    });
    other.task("closure_b", async () => 1, {
      triggers: new TriggerBuilder().onSuccess("x", { callArguments: makeFilter(1000) }),
    });
    expect(other.functions.ids().filter((id) => id.startsWith("overThreshold#"))).toHaveLength(2);
    other.task("reuse_a", async () => 1, {
      triggers: new TriggerBuilder().onSuccess("x", { callArguments: isVip }),
    });
    other.task("reuse_b", async () => 1, {
      triggers: new TriggerBuilder().onSuccess("y", { callArguments: isVip }),
    });
    expect(other.functions.ids().filter((id) => id.startsWith("isVip#"))).toHaveLength(1);
  });
});
