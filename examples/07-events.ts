/**
 * Seed: "Event-Based Triggers". Tasks that react to "user.login" events: every
 * login, admin logins only (payload filter), and one whose arguments come from the
 * event payload.
 * Run: npx tsx examples/07-events.ts
 */
import { type EventContext, type Nenc, TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

// Using the event payload to generate task arguments
function extractUserData(ctx: EventContext) {
  return {
    userId: ctx.payload.user_id ?? null,
    timestamp: ctx.payload.timestamp ?? null,
    sourceIp: ctx.payload.ip_address ?? null,
  };
}

// Emit an event to trigger the tasks above
function emitLoginEvent(app: Nenc, userId: string, ipAddress: string, role = "user"): Promise<string> {
  const payload = { user_id: userId, timestamp: Date.now() / 1000, ip_address: ipAddress, role };
  return app.trigger.emitEvent("user.login", payload);
}

await runExample("event-based triggers", "events", async (app, server) => {
  // Trigger task when a specific event occurs
  app.task("log_user_login", async () => "User login event logged", {
    triggers: new TriggerBuilder().onEvent("user.login"),
  });

  // With payload filtering
  app.task("notify_admin_login", async () => "Admin user logged in", {
    triggers: new TriggerBuilder().onEvent("user.login", { payloadFilter: { role: "admin" } }), // Only for admin logins
  });

  app.task(
    "record_login_attempt",
    async ({ userId, sourceIp }: { userId: string; timestamp: number; sourceIp: string }) =>
      `Login recorded for user ${userId} from ${sourceIp}`,
    { triggers: new TriggerBuilder().onEvent("user.login").withArgsFromEvent(extractUserData) },
  );

  await app.startWorker();
  const first = await emitLoginEvent(app, "u1", "10.0.0.1");
  const second = await emitLoginEvent(app, "u2", "10.0.0.2", "admin");
  expectEqual(
    [first.startsWith("evt_"), second.startsWith("evt_"), first !== second],
    [true, true, true],
    "emit_event returns event ids",
  );
  await settle(server);

  expectEqual((await runsOf(app, "log_user_login")).length, 2, "log_user_login ran for each login");
  expectEqual(
    (await runsOf(app, "notify_admin_login")).length,
    1,
    "notify_admin_login ran for the admin login only",
  );
  expectEqual(
    (await runsOf(app, "record_login_attempt")).map((run) => run.result),
    ["Login recorded for user u1 from 10.0.0.1", "Login recorded for user u2 from 10.0.0.2"],
    "record_login_attempt got its arguments from the payload",
  );
});
