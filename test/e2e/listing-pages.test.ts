/**
 * Listing over RPC on both stores: nextPageToken goes back unchanged and resumes
 * exactly after the page (ListEvents on Redis answered INVALID_ARGUMENT to its own
 * token before); pages end early at the response byte budget.
 */

import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { jsonToValue } from "@nenc/protocol";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/domain/json.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";

/** With the per-item overhead, three such items fit in the 10,000-byte budget and four do not. */
const PAD = "x".repeat(2_900);

describe.each(STORE_KINDS)("listing pages on %s", (kind) => {
  let server: NencServer;
  let sessions: Http2SessionManager;
  let events: ReturnType<typeof createClient<typeof EventService>>;
  let invocations: ReturnType<typeof createClient<typeof InvocationService>>;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    server = await startTestServer({ kind, orchestrator: { maxResponseBytes: 10_000 } });
    sessions = new Http2SessionManager(server.url);
    const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
    events = createClient(EventService, transport);
    invocations = createClient(InvocationService, transport);
  });

  afterEach(async () => {
    sessions?.abort();
    await server?.stop();
  });

  it("ListEvents: its own nextPageToken resumes exactly after the page; pages end at the byte budget", async () => {
    const emitted: string[] = [];
    for (let n = 0; n < 25; n++) {
      const payload: JsonObject = n % 5 === 0 ? { n, pad: PAD } : { n };
      emitted.push((await events.emitEvent({ code: "paged", payload: jsonToValue(payload) })).eventId);
    }
    const listed: string[][] = [];
    let pageToken = "";
    do {
      const page = await events.listEvents({
        code: "paged",
        pageSize: 4,
        pageToken,
        since: timestampFromMs(0),
      });
      listed.push(page.events.map((event) => event.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(listed.flat()).toEqual(emitted);
    expect(listed.map((page) => page.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    // Every fifth event is big: a page takes two big ones and eight small, then stops.
    const byBytes: string[][] = [];
    do {
      const page = await events.listEvents({ code: "paged", pageSize: 1000, pageToken });
      byBytes.push(page.events.map((event) => event.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(byBytes).toEqual([emitted.slice(0, 10), emitted.slice(10, 20), emitted.slice(20)]);
  });

  it("ListInvocations: pages end before the invocation that would pass the byte budget", async () => {
    const app = new Nenc({ url: server.url, appId: "lists" });
    app.task("big", async () => "done");
    await app.register();
    const ids: string[] = [];
    for (let n = 0; n < 7; n++) ids.push((await app.invoke("big", { n, pad: PAD })).id);
    const pages: string[][] = [];
    let pageToken = "";
    do {
      const page = await invocations.listInvocations({ taskId: "big", pageSize: 1000, pageToken });
      pages.push(page.invocations.map((invocation) => invocation.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    const newestFirst = [...ids].reverse();
    expect(pages).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
    await app.close();
  });
});
