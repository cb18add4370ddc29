/**
 * Every RPC's request validation, fuzzed (issue 15 item 6): any message of each
 * method's request type, over real gRPC to a real orchestrator on each store, is
 * answered or refused with a client's error code (never INTERNAL or UNKNOWN), the
 * orchestrator keeps serving, and afterwards the store's invariants hold.
 */
import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { jsonToValue } from "@nenc/protocol";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import fc from "fast-check";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arbitraryMessage } from "../support/arbitrary-message.js";
import { fuzzRuns, fuzzTimeout } from "../support/fuzz.js";
import { startTestServer } from "../support/server.js";
import { checkStoreInvariants } from "../support/store-invariants.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

/** The codes a client's request may earn; anything else is the orchestrator's fault. */
const CLIENT_CODES = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.FailedPrecondition,
  Code.ResourceExhausted,
  Code.OutOfRange,
]);

const SERVICES: DescService[] = [AppService, EventService, InvocationService, TriggerService];
/** Unary methods, and WatchInvocation (read until its first message). */
const METHODS = SERVICES.flatMap((service) =>
  service.methods
    .filter((method) => method.methodKind === "unary" || method.name === "WatchInvocation")
    .map((method) => ({ service, method })),
);

type AnyClient = Record<string, (request: unknown, options?: unknown) => unknown>;

/** A result wait bounded for the fuzz: a valid timeout (0 or unset is 30 s) becomes at most 50 ms. */
function bounded(method: DescMethod, init: Record<string, unknown>): Record<string, unknown> {
  if (method.name !== "AwaitInvocation") return init;
  const timeout = typeof init.timeoutMs === "bigint" ? init.timeoutMs : 0n;
  return timeout >= 0n && timeout <= 300_000n ? { ...init, timeoutMs: (timeout % 50n) + 1n } : init;
}

describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))("every RPC, fuzzed, on %s", (kind) => {
  let server: NencServer;
  let sessions: Http2SessionManager;
  const clients = new Map<string, AnyClient>();
  const known: string[] = ["fz", "job", "other", "paid", "fz.check"];

  beforeAll(async () => {
    server = await startTestServer({ kind, orchestrator: { maxPayloadBytes: 16 * 1024 } });
    sessions = new Http2SessionManager(server.url);
    const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
    for (const service of SERVICES) clients.set(service.typeName, createClient(service, transport) as never);
    const apps = clients.get(AppService.typeName) as AnyClient;
    const invocations = clients.get(InvocationService.typeName) as AnyClient;
    await apps.registerApp?.({
      appId: "fz",
      tasks: [{ id: "job", retry: { maxRetries: 2 } }, { id: "other" }],
      triggers: [
        { targetTaskId: "other", conditions: [{ kind: { case: "event", value: { code: "paid" } } }] },
      ],
    });
    for (let i = 0; i < 3; i++) {
      const answer = (await invocations.invoke?.({ taskId: "job", arguments: jsonToValue({ i }) })) as {
        invocation: { id: string };
      };
      known.push(answer.invocation.id);
    }
    const triggers = (await (clients.get(TriggerService.typeName) as AnyClient).listTriggers?.({})) as {
      triggers: Array<{ id: string }>;
    };
    known.push(...triggers.triggers.map((trigger) => trigger.id));
  });

  afterAll(async () => {
    sessions?.abort();
    await server?.stop();
  });

  /** Calls `method` with `init`; resolves with the error code, or undefined when it was answered. */
  async function call(service: DescService, method: DescMethod, init: Record<string, unknown>) {
    const client = clients.get(service.typeName) as AnyClient;
    const request = create(method.input, bounded(method, init) as never);
    try {
      if (method.methodKind === "unary") await client[method.localName]?.(request, { timeoutMs: 10_000 });
      else {
        const abort = AbortController && new AbortController();
        const stream = client[method.localName]?.(request, {
          signal: abort.signal,
        }) as AsyncIterable<unknown>;
        const first = stream[Symbol.asyncIterator]().next();
        const timer = setTimeout(() => abort.abort(), 200);
        await first.finally(() => clearTimeout(timer));
        abort.abort();
      }
      return undefined;
    } catch (error) {
      const code = ConnectError.from(error).code;
      // Our own abort of a watch that stayed open is not the server's answer.
      return code === Code.Canceled ? undefined : { code, message: ConnectError.from(error).rawMessage };
    }
  }

  it(
    "answers any request with a client's error code at worst, and the store's invariants hold after",
    async () => {
      const requests = fc.oneof(
        ...METHODS.map(({ service, method }) =>
          arbitraryMessage(method.input, { maxDepth: 4, knownStrings: known }).map((init) => ({
            service,
            method,
            init,
          })),
        ),
      );
      await fc.assert(
        fc.asyncProperty(requests, async ({ service, method, init }) => {
          const failure = await call(service, method, init);
          if (failure && !CLIENT_CODES.has(failure.code))
            throw new Error(`${method.name} answered ${Code[failure.code]}: ${failure.message}`);
        }),
        { numRuns: fuzzRuns(500) },
      );
      // Quiesce (no trigger fires any more), then check the store.
      for (const trigger of await server.orchestrator.store.registry.listTriggers())
        await server.orchestrator.triggers.delete(trigger.id);
      const store = server.orchestrator.store;
      await waitFor(
        async () => (await store.stats()).occurrenceBacklog === 0,
        "no occurrence left to evaluate",
        20_000,
      );
      await checkStoreInvariants(server.orchestrator.store);
      const health = (await (clients.get(InvocationService.typeName) as AnyClient).getActivity?.(
        {},
      )) as object;
      expect(health).toBeDefined();
    },
    fuzzTimeout(120_000),
  );
});
