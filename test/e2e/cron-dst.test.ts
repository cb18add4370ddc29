/**
 * Cron across daylight saving, end to end (SPEC §11, issue 17 items 2 and 3): on
 * each store, with the engine on a fake clock set just before the 2026 transitions
 * of Europe/Berlin, a daily 02:30 trigger runs at the instants its policy says, each
 * exactly once; PreviewTrigger (SDK and CLI) lists the same instants.
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
const iso = (ms: number) => new Date(ms).toISOString();
const DAILY_0230 = "0 30 2 * * *";

describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))(
  "cron across daylight saving on %s",
  (kind) => {
    let server: NencServer | undefined;
    let app: Nenc | undefined;
    let clock: FakeClock | undefined;

    afterEach(async () => {
      await app?.close();
      await server?.stop();
      app = server = undefined;
    });

    /** An app whose tasks return the slot that ran them, each on the 02:30 Berlin cron with `policy`. */
    async function start(at: string, policies: Record<string, object>) {
      clock = new FakeClock(Date.parse(at));
      server = await startTestServer({ kind, orchestrator: { clock } });
      app = new Nenc({ url: server.url, appId: `dst-${kind}` });
      for (const [task, policy] of Object.entries(policies))
        app.task(task, async ({ slot }: { slot: number }) => slot, {
          triggers: new TriggerBuilder()
            .onCron(DAILY_0230, { timezone: "Europe/Berlin", ...policy })
            .withArgsFromCel("{'slot': scheduledTime}"),
        });
      await app.startWorker();
      return clock;
    }

    /**
     * The slots `task` ran for, oldest first, once it has run `count` times and the
     * engine is quiet (the claim a fake timer starts still takes real time on Redis).
     */
    async function ranSlots(task: string, count: number): Promise<string[]> {
      const finished = await pollAdvancing(
        clock as FakeClock,
        async () => {
          const runs = await (app as Nenc).listInvocations({ taskId: task, limit: 100 });
          return runs.length >= count && runs.every((run) => run.status === "SUCCESS") && runs;
        },
        `${count} runs of ${task}`,
      );
      return finished.map((invocation) => iso(invocation.result as number)).sort();
    }

    it("spring forward: the skipped 02:30 runs at 03:00 (shift), or not at all (skip)", async () => {
      await start("2026-03-29T00:59:30Z", { shifted: {}, skipped: { skippedHour: "skip" } });
      // To the slot's instant exactly: its claim is not late, however long its I/O takes.
      await clock?.advance(30_000);
      expect(await ranSlots("shifted", 1)).toEqual(["2026-03-29T01:00:00.000Z"]);
      expect(await ranSlots("skipped", 0)).toEqual([]);
      const [skipped] = await (app as Nenc).trigger.list({ targetTaskId: "skipped" });
      const preview = await (app as Nenc).trigger.preview(skipped?.id ?? "", { count: 2 });
      expect(preview.map((time) => time.toISOString())).toEqual([
        "2026-03-30T00:30:00.000Z",
        "2026-03-31T00:30:00.000Z",
      ]);
    });

    it("fall back: the repeated 02:30 runs once, or twice, each exactly once", async () => {
      await start("2026-10-25T00:29:30Z", { once: {}, twice: { repeatedHour: "twice" } });
      // To the slot's instant exactly: its claim is not late, however long its I/O takes.
      await clock?.advance(30_000);
      expect(await ranSlots("once", 1)).toEqual(["2026-10-25T00:30:00.000Z"]);
      expect(await ranSlots("twice", 1)).toEqual(["2026-10-25T00:30:00.000Z"]);
      await clock?.advance(3_600_000);
      // The second 02:30 ran for "twice"; by then "once" would have run again too.
      expect(await ranSlots("twice", 2)).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z"]);
      expect(await ranSlots("once", 1)).toEqual(["2026-10-25T00:30:00.000Z"]);
    });

    it("PreviewTrigger from the SDK and the CLI: the next instants after a given time, policy applied", async () => {
      await start("2026-01-01T00:00:00Z", { twice: { repeatedHour: "twice" } });
      const [trigger] = await (app as Nenc).trigger.list({ targetTaskId: "twice" });
      const after = new Date("2026-10-24T12:00:00Z");
      const expected = ["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z", "2026-10-26T01:30:00.000Z"];
      const fromSdk = await (app as Nenc).trigger.preview(trigger?.id ?? "", { count: 3, after });
      expect(fromSdk.map((time) => time.toISOString())).toEqual(expected);
      const cli = await run(process.execPath, [
        "bin/nenc.js",
        "triggers",
        "preview",
        trigger?.id ?? "",
        "--count",
        "3",
        "--after",
        after.toISOString(),
        "--url",
        (server as NencServer).url,
      ]);
      expect(JSON.parse(cli.stdout)).toEqual({ fireTimes: expected.map((time) => time.replace(".000", "")) });
    });
  },
);
