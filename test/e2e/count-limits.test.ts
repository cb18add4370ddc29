/**
 * Counts a request may carry are bounded (src/engine/limits.ts): past a limit the
 * call gets RESOURCE_EXHAUSTED naming the field and the limit, and nothing of it
 * is stored.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openRawWorker } from "../support/raw-worker.js";
import { rpcError } from "../support/rpc.js";
import { startTestServer } from "../support/server.js";

let server: NencServer;
let sessions: Http2SessionManager;
let apps: ReturnType<typeof createClient<typeof AppService>>;
let triggers: ReturnType<typeof createClient<typeof TriggerService>>;

beforeEach(async () => {
  // Small runtime limit: the default (100,000) is the same code path, too many to create in a test.
  server = await startTestServer({
    orchestrator: {
      countLimits: {
        tasksPerApp: 10_000,
        declaredTriggersPerApp: 10_000,
        runtimeTriggersPerApp: 20,
        functionsPerWorker: 10_000,
      },
    },
  });
  sessions = new Http2SessionManager(server.url);
  const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
  apps = createClient(AppService, transport);
  triggers = createClient(TriggerService, transport);
});

afterEach(async () => {
  sessions.abort();
  await server.stop();
});

const eventTrigger = (n: number, targetTaskId = "t0") => ({
  targetTaskId,
  conditions: [{ kind: { case: "event" as const, value: { code: `limits.e${n}` } } }],
});

describe("count limits", () => {
  it("RegisterApp: at most 10,000 tasks and 10,000 declared triggers (the defaults)", async () => {
    const tasks = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}` }));
    const tooManyTasks = await rpcError(apps.registerApp({ appId: "big", tasks: tasks(10_001) }));
    expect(tooManyTasks.code).toBe(Code.ResourceExhausted);
    expect(tooManyTasks.rawMessage).toBe("tasks: has 10001 tasks; the limit is 10000");
    const tooManyTriggers = await rpcError(
      apps.registerApp({
        appId: "big",
        tasks: tasks(1),
        triggers: Array.from({ length: 10_001 }, (_, i) => eventTrigger(i)),
      }),
    );
    expect(tooManyTriggers.code).toBe(Code.ResourceExhausted);
    expect(tooManyTriggers.rawMessage).toBe("triggers: has 10001 triggers; the limit is 10000");
    expect((await apps.listTasks({})).tasks).toEqual([]);
    const atTheLimit = await apps.registerApp({
      appId: "big",
      tasks: tasks(1000),
      triggers: [eventTrigger(0)],
    });
    expect(atTheLimit.triggerIds.length).toBe(1);
  });

  it("CreateTrigger: at most countLimits.runtimeTriggersPerApp runtime triggers per app; a delete makes room", async () => {
    await apps.registerApp({ appId: "rt", tasks: [{ id: "t0" }] });
    const created = [];
    for (let i = 0; i < 20; i++) created.push(await triggers.createTrigger({ trigger: eventTrigger(i) }));
    const refused = await rpcError(triggers.createTrigger({ trigger: eventTrigger(20) }));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toBe(
      'trigger: app "rt" has 20 runtime triggers, the limit (delete unused ones first)',
    );
    expect((await triggers.listTriggers({})).triggers.length).toBe(20);
    await triggers.deleteTrigger({ id: created[0]!.trigger!.id });
    await triggers.createTrigger({ trigger: eventTrigger(20) });
    expect((await triggers.listTriggers({})).triggers.length).toBe(20);
  });

  it.each([-1, 1001, 2147483647])(
    "a worker hello with prefetch %s is refused, naming the field",
    async (prefetch) => {
      await apps.registerApp({ appId: "pf", tasks: [{ id: "p" }] });
      const raw = openRawWorker(server.url);
      raw.send({
        case: "hello",
        value: { appId: "pf", workerId: "w", concurrency: 2, prefetch, taskIds: ["p"] },
      });
      const ended = ConnectError.from(await raw.ended);
      raw.close();
      expect(ended.code).toBe(Code.InvalidArgument);
      expect(ended.rawMessage).toBe(
        "hello.prefetch: must be an integer from 0 to 1000 (assignments held beyond concurrency; 0 for none)",
      );
    },
  );

  it("a worker hello whose sdk is longer than 100 characters is refused, naming the field", async () => {
    await apps.registerApp({ appId: "sdk", tasks: [{ id: "s" }] });
    const raw = openRawWorker(server.url);
    raw.send({
      case: "hello",
      value: { appId: "sdk", workerId: "w", concurrency: 1, taskIds: ["s"], sdk: "x".repeat(101) },
    });
    const ended = ConnectError.from(await raw.ended);
    raw.close();
    expect(ended.code).toBe(Code.InvalidArgument);
    expect(ended.rawMessage).toBe(
      'hello.sdk: is 101 characters long; at most 100 ("<name>/<version>", e.g. typescript/0.1.0)',
    );
  });

  it("a worker hello listing more held assignments than its concurrency is refused", async () => {
    await apps.registerApp({ appId: "held", tasks: [{ id: "h" }] });
    const raw = openRawWorker(server.url);
    raw.send({
      case: "hello",
      value: {
        appId: "held",
        workerId: "w",
        concurrency: 2,
        taskIds: ["h"],
        heldAssignmentIds: ["a1", "a2", "a3"],
      },
    });
    const ended = ConnectError.from(await raw.ended);
    raw.close();
    expect(ended.code).toBe(Code.ResourceExhausted);
    expect(ended.rawMessage).toBe(
      "hello.heldAssignmentIds: has 3 held assignments (more than hello.concurrency + hello.prefetch); the limit is 2",
    );
  });
});
