/**
 * The attacker (SPEC §6, issue 15 item 3 and the attacks of its first paragraph):
 * over real TLS, with real tokens read from a tokens file, on both stores, each
 * attack is refused with UNAUTHENTICATED or PERMISSION_DENIED naming the scope
 * needed, leaves stored state as it was, and leaves an audit line naming the token
 * (never the secret).
 */
import { readFileSync } from "node:fs";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import { HealthCheckResponse_ServingStatus } from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, revokeToken } from "../../src/auth/token-store.js";
import { type Caller, callerOf, httpsCall, writeTokensFile } from "../support/auth.js";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { openRawWorker, type RawWorker } from "../support/raw-worker.js";
import { rpcError } from "../support/rpc.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { makePki, serverTls, type TestPki } from "../support/tls.js";
import { waitFor } from "../support/wait.js";

const SCOPES: Record<string, string[]> = {
  ops: ["admin"],
  viewer: ["read"],
  "shop-client": ["client:shop"],
  "shop-worker": ["worker:shop"],
  "shop-worker-2": ["worker:shop"],
  "billing-client": ["client:billing"],
  "billing-worker": ["worker:billing"],
};

const bytes = (json: string) => new TextEncoder().encode(json);

// Every run has Redis (global-setup.ts starts it): both stores are always attacked.
describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))("an attacker on %s", (kind) => {
  let pki: TestPki;
  let server: NencServer;
  let logger: RecordingLogger;
  let tokens: { file: string; secrets: Record<string, string> };
  let shop: Nenc;
  const callers: Caller[] = [];
  const raws: RawWorker[] = [];
  /** The shop's trigger (notify on charge's success) and an invocation of charge that succeeded. */
  let triggerId: string;
  let chargedId: string;

  const as = (name?: string): Caller => {
    const caller = callerOf(server.url, name === undefined ? undefined : (tokens.secrets[name] ?? name));
    callers.push(caller);
    return caller;
  };
  const rawWorker = (name: string) => {
    const raw = openRawWorker(server.url, tokens.secrets[name]);
    raws.push(raw);
    return raw;
  };
  /** The code and message a call failed with. */
  const refusal = async (call: Promise<unknown>) => {
    const error = await rpcError(call);
    return { code: Code[error.code], message: error.rawMessage };
  };
  const auditLines = () => logger.lines.filter((line) => line.fields.audit !== undefined);

  beforeAll(async () => {
    pki = makePki();
    process.env.NENC_TLS_CA = pki.ca;
    tokens = writeTokensFile(SCOPES);
    logger = recordingLogger();
    server = await startTestServer({ kind, tls: serverTls(pki), authTokensFile: tokens.file, logger });
    shop = new Nenc({ url: server.url, appId: "shop", token: tokens.secrets["shop-worker"] });
    const charge = shop.task("charge", async ({ n }: { n: number }) => ({ charged: n }));
    shop.task("notify", async () => "notified", { triggers: new TriggerBuilder().onSuccess(charge) });
    await shop.startWorker();
    const client = new Nenc({ url: server.url, appId: "shop", token: tokens.secrets["shop-client"] });
    const invocation = await client.invoke("charge", { n: 5 });
    expect(await invocation.result()).toEqual({ charged: 5 });
    chargedId = invocation.id;
    await client.close();
    const [trigger] = (await as("ops").triggers.listTriggers({ targetTaskId: "notify" })).triggers;
    triggerId = trigger?.id ?? "";
  });

  afterAll(async () => {
    for (const raw of raws) raw.close();
    for (const caller of callers) caller.close();
    await shop?.close();
    await server?.stop();
    delete process.env.NENC_TLS_CA;
  });

  it("refuses a call with no token, an unknown one or an expired one: UNAUTHENTICATED", async () => {
    const expired = createToken(tokens.file, {
      name: "expired",
      scopes: ["admin"],
      expiresInMs: 1_000,
      now: Date.now() - 60_000,
    }).secret;
    const reasons = [
      [undefined, "no token"],
      ["nenc_guessed", "unknown token"],
      [expired, 'expired token ("expired")'],
    ] as const;
    for (const [token, reason] of reasons) {
      const caller = as(token);
      // The expired token is refused as expired once the server has read the file again.
      const answer = await waitFor(
        async () => {
          const refused = await refusal(caller.invocations.getInvocation({ id: chargedId }));
          return refused.message.includes(reason) ? refused : undefined;
        },
        `a call with ${reason} refused as such`,
        10_000,
        100,
      );
      expect(answer).toEqual({
        code: "Unauthenticated",
        message: `nenc.v1.InvocationService/GetInvocation needs a token: ${reason}; send "authorization: Bearer <token>" (NENC_TOKEN in the SDKs and the CLI)`,
      });
    }
    expect(
      logger.find("warn", { audit: "denied", code: "UNAUTHENTICATED", why: "expired token" })[0]?.fields
        .token,
    ).toBe("expired");
  });

  it("refuses a token without the scope a call needs: PERMISSION_DENIED naming the scope", async () => {
    expect(await refusal(as("viewer").invocations.invoke({ taskId: "charge" }))).toEqual({
      code: "PermissionDenied",
      message: 'nenc.v1.InvocationService/Invoke needs scope admin or client:shop; token "viewer" has read',
    });
    expect(await refusal(as("shop-worker").invocations.listInvocations({}))).toEqual({
      code: "PermissionDenied",
      message:
        'nenc.v1.InvocationService/ListInvocations needs scope admin or read; token "shop-worker" has worker:shop',
    });
    expect((await refusal(as("shop-client").events.replayEvents({ code: "paid" }))).message).toBe(
      'nenc.v1.EventService/ReplayEvents needs scope admin; token "shop-client" has client:shop',
    );
    expect((await refusal(as("viewer").events.emitEvent({ code: "paid" }))).message).toContain(
      "needs scope admin or a client:<app> scope",
    );
    // What the scopes allow, they allow.
    expect((await as("viewer").invocations.getInvocation({ id: chargedId })).invocation?.id).toBe(chargedId);
    expect((await as("billing-client").events.emitEvent({ code: "paid" })).eventId).not.toBe("");
    expect((await as("ops").events.replayEvents({ code: "nothing-of-the-kind" })).replayedCount).toBe(0);
  });

  it("attack: invoking another app's task is refused and invokes nothing", async () => {
    const before = (await as("ops").invocations.listInvocations({ taskId: "charge" })).invocations.length;
    expect(await refusal(as("billing-client").invocations.invoke({ taskId: "charge" }))).toEqual({
      code: "PermissionDenied",
      message:
        'nenc.v1.InvocationService/Invoke needs scope admin or client:shop; token "billing-client" has client:billing',
    });
    // Over a Session too.
    const session = as("billing-client").invocations.session(
      (async function* () {
        yield {
          message: { case: "invoke" as const, value: { requestId: 1n, invoke: { taskId: "charge" } } },
        };
      })(),
    );
    for await (const answer of session) {
      expect(answer.message.case).toBe("invoked");
      expect(answer.message.value).toMatchObject({ errorCode: "PERMISSION_DENIED" });
      break;
    }
    // A task it cannot see is refused the same way, never NOT_FOUND.
    expect((await refusal(as("billing-client").invocations.invoke({ taskId: "no-such-task" }))).code).toBe(
      "PermissionDenied",
    );
    expect((await as("ops").invocations.listInvocations({ taskId: "charge" })).invocations.length).toBe(
      before,
    );
  });

  it("attack: reading another app's invocations, their arguments and results, is refused on every path", async () => {
    const billing = as("billing-client");
    const denied = "PermissionDenied";
    expect((await refusal(billing.invocations.getInvocation({ id: chargedId }))).code).toBe(denied);
    expect((await refusal(billing.invocations.awaitInvocation({ id: chargedId }))).code).toBe(denied);
    expect((await refusal(billing.invocations.listInvocations({}))).code).toBe(denied);
    expect((await refusal(billing.invocations.listInvocations({ taskId: "charge" }))).code).toBe(denied);
    expect((await refusal(billing.invocations.listInvocations({ triggerId }))).code).toBe(denied);
    const watch = (async () => {
      for await (const _ of billing.invocations.watchInvocation({ id: chargedId })) return "answered";
      return "ended";
    })();
    expect((await refusal(watch)).code).toBe(denied);
    const requests = new AsyncQueue<{ message: { case: "watch"; value: { invocationId: string } } }>();
    requests.push({ message: { case: "watch", value: { invocationId: chargedId } } });
    for await (const answer of billing.invocations.session(requests)) {
      expect(answer.message.case).toBe("finished");
      expect(answer.message.value).toMatchObject({ errorCode: "PERMISSION_DENIED" });
      expect((answer.message.value as { invocation?: unknown }).invocation).toBeUndefined();
      break;
    }
    requests.end();
    // The shop's own client reads them.
    const own = await as("shop-client").invocations.getInvocation({ id: chargedId });
    expect(own.invocation?.status).toBe(InvocationStatus.SUCCESS);
  });

  it("attack: deleting or pausing another app's trigger is refused and the trigger stays", async () => {
    const billing = as("billing-client");
    for (const call of [
      billing.triggers.deleteTrigger({ id: triggerId }),
      billing.triggers.pauseTrigger({ id: triggerId }),
      billing.triggers.resumeTrigger({ id: triggerId }),
    ])
      expect(await refusal(call)).toMatchObject({ code: "PermissionDenied" });
    expect((await refusal(billing.triggers.explainTrigger({ id: triggerId }))).message).toContain(
      "needs scope admin, read or client:shop",
    );
    const stored = (await as("ops").triggers.getTrigger({ id: triggerId })).trigger;
    expect([stored?.id, stored?.paused]).toEqual([triggerId, false]);
    // The shop's client may pause it (and the audit names it).
    await as("shop-client").triggers.pauseTrigger({ id: triggerId });
    await as("shop-client").triggers.resumeTrigger({ id: triggerId });
    expect(
      auditLines()
        .filter((line) => line.fields.triggerId === triggerId)
        .map((line) => [line.fields.audit, line.fields.token]),
    ).toEqual([
      ["trigger.paused", "shop-client"],
      ["trigger.resumed", "shop-client"],
    ]);
  });

  it("attack: registering an app that would replace another app's triggers is refused", async () => {
    const takeover = { appId: "shop", tasks: [{ id: "charge" }], triggers: [] };
    expect(await refusal(as("billing-worker").apps.registerApp(takeover))).toEqual({
      code: "PermissionDenied",
      message:
        'nenc.v1.AppService/RegisterApp needs scope admin or worker:shop; token "billing-worker" has worker:billing',
    });
    // A client of the app is no worker of it either.
    expect((await refusal(as("shop-client").apps.registerApp(takeover))).code).toBe("PermissionDenied");
    const stored = await as("ops").triggers.listTriggers({ targetTaskId: "notify" });
    expect(stored.triggers.map((trigger) => trigger.id)).toEqual([triggerId]);
  });

  it("a worker's app is its token's: a hello for another app is refused", async () => {
    const raw = rawWorker("billing-worker");
    raw.send({
      case: "hello",
      value: { appId: "shop", workerId: "intruder", concurrency: 1, taskIds: ["charge"] },
    });
    const ended = (await raw.ended) as { code: Code; rawMessage: string };
    expect([Code[ended.code], ended.rawMessage]).toEqual([
      "PermissionDenied",
      'nenc.v1.WorkerService/Connect needs scope admin or worker:shop; token "billing-worker" has worker:billing',
    ]);
    const workers = await as("ops").apps.listWorkers({ appId: "shop" });
    expect(
      workers.workers.map((worker) => worker.workerId).filter((id) => id.startsWith("intruder")),
    ).toEqual([]);
  });

  it("attack: naming another worker's id and its assignments neither resumes its session nor reports its results", async () => {
    const victim = rawWorker("shop-worker");
    const hello = { appId: "shop", workerId: "w-victim", concurrency: 1, taskIds: ["charge"] };
    victim.send({ case: "hello", value: hello });
    expect((await victim.next()).message.case).toBe("welcome");
    // The SDK worker would take the job too: pause it by invoking a task only the raw workers serve.
    await shop.close();
    const invocation = await as("shop-client").invocations.invoke({ taskId: "charge", arguments: undefined });
    const delivered = (await victim.next()).message;
    if (delivered.case !== "assignment") throw new Error(`expected an assignment, got ${delivered.case}`);
    const assignmentId = delivered.value.assignmentId;

    // Another worker of the same app, with another token, claims to be the victim still running it.
    const attacker = rawWorker("shop-worker-2");
    attacker.send({ case: "hello", value: { ...hello, heldAssignmentIds: [assignmentId] } });
    expect((await attacker.next()).message.case).toBe("welcome");
    attacker.send({
      case: "completed",
      value: { assignmentId, resultJson: bytes('{"charged":"forged"}') },
    });
    // The victim's stream is still its own: its result is the one stored.
    victim.send({ case: "completed", value: { assignmentId, resultJson: bytes('{"charged":"real"}') } });
    const id = invocation.invocation?.id ?? "";
    const final = await as("ops").invocations.awaitInvocation({ id, timeoutMs: 10_000n });
    const result = final.invocation?.result && toJson(ValueSchema, final.invocation.result);
    expect([final.invocation?.status, result]).toEqual([InvocationStatus.SUCCESS, { charged: "real" }]);
    const ids = (await as("ops").apps.listWorkers({ appId: "shop" })).workers.map(
      (worker) => worker.workerId,
    );
    expect(ids.filter((workerId) => workerId.startsWith("w-victim")).sort()).toEqual([
      "w-victim@shop-worker",
      "w-victim@shop-worker-2",
    ]);
  });

  it("CreateTrigger needs admin or client of the target task's app", async () => {
    const definition = {
      targetTaskId: "charge",
      conditions: [{ kind: { case: "event" as const, value: { code: `paid-${kind}` } } }],
    };
    expect(await refusal(as("billing-client").triggers.createTrigger({ trigger: definition }))).toEqual({
      code: "PermissionDenied",
      message:
        'nenc.v1.TriggerService/CreateTrigger needs scope admin or client:shop; token "billing-client" has client:billing',
    });
    const created = await as("shop-client").triggers.createTrigger({ trigger: definition });
    expect(created.created).toBe(true);
    expect(
      auditLines()
        .filter((line) => line.fields.audit === "trigger.created")
        .map((line) => [line.fields.token, line.fields.triggerId]),
    ).toEqual([["shop-client", created.trigger?.id]]);
    await as("ops").triggers.deleteTrigger({ id: created.trigger?.id ?? "" });
    expect(logger.find("info", { audit: "trigger.deleted", token: "ops" })).toHaveLength(1);
  });

  it("the dashboard's calls and /metrics need read or better; health stays open; reflection needs a token", async () => {
    const ca = readFileSync(pki.ca);
    const metrics = `${server.httpUrl}/metrics`;
    const bearerOf = (name: string) => ({ authorization: `Bearer ${tokens.secrets[name]}` });
    expect((await httpsCall(metrics, ca)).status).toBe(401);
    expect((await httpsCall(metrics, ca, { headers: bearerOf("shop-client") })).status).toBe(403);
    const read = await httpsCall(metrics, ca, { headers: bearerOf("viewer") });
    expect([read.status, read.body.includes("nenc_invocations_total")]).toEqual([200, true]);
    // The dashboard's own calls: Connect JSON over HTTP/1.1 on the side port.
    const list = `${server.httpUrl}/nenc.v1.InvocationService/ListInvocations`;
    const json = { "content-type": "application/json" };
    const anonymous = await httpsCall(list, ca, { method: "POST", headers: json, body: "{}" });
    expect([anonymous.status, JSON.parse(anonymous.body).code]).toEqual([401, "unauthenticated"]);
    const viewer = await httpsCall(list, ca, {
      method: "POST",
      headers: { ...json, ...bearerOf("viewer") },
      body: "{}",
    });
    expect(viewer.status).toBe(200);
    expect(JSON.parse((await httpsCall(`${server.httpUrl}/ui/config.json`, ca)).body)).toMatchObject({
      auth: true,
    });

    const health = await as().health.check({});
    expect(health.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const reflect = (caller: Caller) =>
      (async () => {
        for await (const answer of caller.reflection.serverReflectionInfo(
          (async function* () {
            yield { messageRequest: { case: "listServices" as const, value: "" } };
          })(),
        ))
          return answer.messageResponse.case;
        return "ended";
      })();
    expect((await refusal(reflect(as()))).code).toBe("Unauthenticated");
    expect(await reflect(as("shop-worker"))).toBe("listServicesResponse");
  });

  it("follows the tokens file: a new token works and a revoked one stops, without a restart; two can be valid at once", async () => {
    const next = createToken(tokens.file, {
      name: `rotated-${kind}`,
      scopes: ["read"],
      now: Date.now(),
    }).secret;
    const rotated = as(next);
    await waitFor(
      () =>
        rotated.invocations.getInvocation({ id: chargedId }).then(
          () => true,
          () => undefined,
        ),
      "the new token accepted",
      10_000,
      100,
    );
    // The old and the new both work during the rotation.
    expect((await as("viewer").invocations.getInvocation({ id: chargedId })).invocation?.id).toBe(chargedId);
    revokeToken(tokens.file, `rotated-${kind}`);
    await waitFor(
      () =>
        rotated.invocations.getInvocation({ id: chargedId }).then(
          () => undefined,
          () => true,
        ),
      "the revoked token refused",
      10_000,
      100,
    );
    expect((await refusal(rotated.invocations.getInvocation({ id: chargedId }))).code).toBe(
      "Unauthenticated",
    );
    expect((await as("viewer").invocations.getInvocation({ id: chargedId })).invocation?.id).toBe(chargedId);
  });

  it("audits every refusal and change by token name, and never logs a secret", async () => {
    const lines = auditLines();
    expect(lines.length).toBeGreaterThan(10);
    // A refusal before any token was recognised names none; everything else names one.
    for (const line of lines)
      expect([line.fields.audit, typeof line.fields.token === "string" || line.fields.code]).toEqual([
        line.fields.audit,
        line.fields.audit === "denied" && line.fields.token === undefined ? "UNAUTHENTICATED" : true,
      ]);
    const everything = JSON.stringify(logger.lines);
    for (const secret of Object.values(tokens.secrets)) expect(everything).not.toContain(secret);
    expect(
      logger.find("info", { audit: "app.registered", token: "shop-worker", appId: "shop" }).length,
    ).toBeGreaterThan(0);
    // Each token's first use since start, once: which tokens are still in use.
    const firstUses = logger.lines.filter((line) => line.fields.audit === "token.first_use");
    expect(firstUses.map((line) => line.fields.token).sort()).toEqual(
      [...new Set(firstUses.map((line) => line.fields.token))].sort(),
    );
    expect(firstUses.map((line) => line.fields.token)).toEqual(
      expect.arrayContaining(["ops", "viewer", "shop-worker"]),
    );
  });
});
