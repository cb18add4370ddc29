/** grpc.health.v1.Health over real gRPC: Check, and Watch following a graceful stop as it happens. */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../src/gen/grpc/health/v1/health_pb.js";
import { startTestServer } from "../support/server.js";

let server: NencServer;
let sessions: Http2SessionManager;
let health: ReturnType<typeof createClient<typeof Health>>;

beforeEach(async () => {
  server = await startTestServer();
  sessions = new Http2SessionManager(server.url);
  health = createClient(Health, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
});

afterEach(async () => {
  sessions.abort();
  await server.stop();
});

it("answers Check for the server and each service, NOT_FOUND for an unknown one", async () => {
  expect((await health.check({})).status).toBe(Status.SERVING);
  expect((await health.check({ service: "nenc.v1.InvocationService" })).status).toBe(Status.SERVING);
  const error = await health.check({ service: "nenc.v1.Nope" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(Code.NotFound);
});

it("Watch sends SERVING, NOT_SERVING when a graceful stop begins, then ends cleanly", async () => {
  const stream = health.watch({})[Symbol.asyncIterator]();
  expect((await stream.next()).value?.status).toBe(Status.SERVING);
  const stopping = server.stop();
  expect((await stream.next()).value?.status).toBe(Status.NOT_SERVING);
  // The stream ends with OK when the orchestrator has stopped, not cut off with the connection.
  expect(await stream.next()).toEqual({ done: true, value: undefined });
  await stopping;
});
