/**
 * Backfill (SPEC §11, issue 17 item 4): every past cron slot of a range fires exactly
 * once, those that fired live or in an earlier backfill deduplicated by the same firing
 * identity; a paused trigger records them skipped; bad ranges are refused naming the
 * field. On each store, the engine on a fake clock.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock, pollAdvancing } from "../support/fake-clock.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";

const run = promisify(execFile);
const at = (hhmmss: string) => new Date(`2026-01-01T${hhmmss}Z`);
const minutes = (from: string, to: string) => {
  const slots: string[] = [];
  for (let time = at(from).getTime(); time <= at(to).getTime(); time += 60_000)
    slots.push(new Date(time).toISOString());
  return slots;
};

describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))("backfill on %s", (kind) => {
  let server: NencServer | undefined;
  let app: Nenc | undefined;
  let clock: FakeClock | undefined;

  afterEach(async () => {
    await app?.close();
    await server?.stop();
    app = server = undefined;
  });

  /** An app whose task `minutely` runs every minute at :00 and returns its slot. */
  async function start() {
    clock = new FakeClock(at("10:00:30").getTime());
    server = await startTestServer({ kind, orchestrator: { clock } });
    app = new Nenc({ url: server.url, appId: `backfill-${kind}` });
    app.task("minutely", async ({ slot }: { slot: number }) => slot, {
      triggers: new TriggerBuilder().onCron("0 * * * * *").withArgsFromCel("{'slot': scheduledTime}"),
    });
    app.task("on_event", async () => "event", { triggers: new TriggerBuilder().onEvent("never") });
    await app.startWorker();
    const [trigger] = await app.trigger.list({ targetTaskId: "minutely" });
    return { triggerId: trigger?.id ?? "" };
  }

  /** The slots `minutely` ran for, once it ran `count` times and the engine is quiet. */
  async function ranSlots(count: number): Promise<string[]> {
    const finished = await pollAdvancing(
      clock as FakeClock,
      async () => {
        const runs = await (app as Nenc).listInvocations({ taskId: "minutely", limit: 1000 });
        return runs.length >= count && runs.every((run) => run.status === "SUCCESS") && runs;
      },
      `${count} runs`,
    );
    return finished.map((invocation) => new Date(invocation.result as number).toISOString()).sort();
  }

  it("fires each past slot once; slots that ran live or in an earlier backfill are deduplicated", async () => {
    const { triggerId } = await start();
    // To each slot's instant, then its run: the claim (real I/O on Redis) is never late.
    for (let minute = 1; minute <= 3; minute++) {
      await clock?.advance(minute === 1 ? 30_000 : 60_000);
      await ranSlots(minute);
    }
    expect(await ranSlots(3)).toEqual(minutes("10:01:00", "10:03:00"));
    const range = { from: at("09:55:00"), to: at("10:02:00") };
    expect(await app?.trigger.backfill(triggerId, range)).toEqual({
      slots: 8,
      fired: 6,
      deduplicated: 2,
      other: 0,
    });
    expect(await ranSlots(9)).toEqual(minutes("09:55:00", "10:03:00"));
    // Again: everything fired already.
    expect(await app?.trigger.backfill(triggerId, range)).toEqual({
      slots: 8,
      fired: 0,
      deduplicated: 8,
      other: 0,
    });
    // The CLI says the same.
    const cli = await run(process.execPath, [
      "bin/nenc.js",
      "triggers",
      "backfill",
      triggerId,
      "--from",
      "2026-01-01T09:50:00Z",
      "--to",
      "2026-01-01T09:55:00Z",
      "--url",
      (server as NencServer).url,
    ]);
    // (JSON for protobuf leaves out zero counts.)
    expect(JSON.parse(cli.stdout)).toEqual({ slots: 6, fired: 5, deduplicated: 1 });
    expect(await ranSlots(14)).toEqual(minutes("09:50:00", "10:03:00"));
  });

  it("a paused trigger records its backfilled slots as skipped and fires none", async () => {
    const { triggerId } = await start();
    await app?.trigger.pause(triggerId);
    expect(await app?.trigger.backfill(triggerId, { from: at("09:00:00"), to: at("09:04:00") })).toEqual({
      slots: 5,
      fired: 0,
      deduplicated: 0,
      other: 5,
    });
    const outcomes = (await app?.trigger.explain(triggerId))?.evaluations.map(
      (evaluation) => evaluation.outcome,
    );
    expect(outcomes).toEqual(["skipped", "skipped", "skipped", "skipped", "skipped"]);
    expect(await ranSlots(0)).toEqual([]);
  });

  it("refuses a range in the future, backwards or past 10,000 slots, and a trigger without cron", async () => {
    const { triggerId } = await start();
    const refusal = (from: string, to: string, id = triggerId) =>
      (app as Nenc).trigger.backfill(id, { from: new Date(from), to: new Date(to) }).then(
        () => "answered",
        (error: Error) => `${error.name}: ${error.message}`,
      );
    expect(await refusal("2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z")).toBe(
      "InvalidArgumentError: to: is in the future: backfill runs past slots (live claims run the rest)",
    );
    expect(await refusal("2026-01-01T10:00:00Z", "2026-01-01T09:00:00Z")).toBe(
      "InvalidArgumentError: from: must be at or before to",
    );
    expect(await refusal("2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z")).toBe(
      "ResourceExhaustedError: from … to holds more than 10000 slots, the limit of one backfill; split the range",
    );
    const [eventTrigger] = (await app?.trigger.list({ targetTaskId: "on_event" })) ?? [];
    expect(await refusal("2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z", eventTrigger?.id)).toBe(
      `NencError: trigger "${eventTrigger?.id}" has no cron condition: nothing to backfill`,
    );
    expect(await ranSlots(0)).toEqual([]);
  });
});
