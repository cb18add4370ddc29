/**
 * Error messages stay small whatever was sent: a 100 KB id is answered with its
 * code and a message that quotes only its start (echoed whole, the message would
 * not fit in the trailers and the stream would be reset instead).
 */
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcError } from "../support/rpc.js";
import { startTestServer } from "../support/server.js";

let server: NencServer;
let sessions: Http2SessionManager;
let transport: ReturnType<typeof createGrpcTransport>;

beforeAll(async () => {
  server = await startTestServer();
  sessions = new Http2SessionManager(server.url);
  transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
});

afterAll(async () => {
  sessions.abort();
  await server.stop();
});

const huge = "x".repeat(100_000);

describe("a 100 KB input", () => {
  it("gets NOT_FOUND for an unknown invocation or trigger id, quoting 80 characters of it", async () => {
    const invocations = createClient(InvocationService, transport);
    const triggers = createClient(TriggerService, transport);
    for (const call of [
      invocations.getInvocation({ id: huge }),
      triggers.getTrigger({ id: huge }),
      triggers.explainTrigger({ id: huge }),
    ]) {
      const error = await rpcError(call);
      expect(error.code).toBe(Code.NotFound);
      expect(error.rawMessage).toContain(`"${"x".repeat(80)}…" (100000 characters) not found`);
      expect(error.rawMessage.length).toBeLessThan(300);
    }
  });

  it("gets INVALID_ARGUMENT naming the field for a name that long", async () => {
    const events = createClient(EventService, transport);
    const error = await rpcError(events.emitEvent({ code: huge }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("code: is 100000 characters long; at most 200");
    const invoked = await rpcError(createClient(InvocationService, transport).invoke({ taskId: huge }));
    expect(invoked.code).toBe(Code.InvalidArgument);
    expect(invoked.rawMessage).toBe("taskId: is 100000 characters long; at most 200");
  });
});
