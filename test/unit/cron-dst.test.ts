/**
 * Cron in a zone with daylight saving (SPEC §11, issue 17 item 2): each local slot
 * of the 2026 transitions of Europe/Berlin, America/New_York and Australia/Lord_Howe
 * (a 30-minute shift) becomes the instants the policy says. Pure computation on
 * given instants: no clock is read.
 */
import { create } from "@bufbuild/protobuf";
import {
  RepeatedHourPolicy,
  SkippedHourPolicy,
  TriggerSchema,
} from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import { describe, expect, it } from "vitest";
import { type DstPolicy, deriveTriggerId } from "../../src/domain/trigger.js";
import { parseCron } from "../../src/engine/cron/cron.js";
import { triggerDefinitionFromProto } from "../../src/transport/convert-trigger.js";

interface Case {
  zone: string;
  expression: string;
  from: string;
  policy: Partial<DstPolicy>;
  /** The slots after `from`, as UTC instants. */
  slots: string[];
}

const CASES: Array<[string, Case]> = [
  [
    "Berlin spring forward, shift (default)",
    {
      zone: "Europe/Berlin",
      expression: "30 2 * * *",
      from: "2026-03-28T00:00:00Z",
      policy: {},
      slots: ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"],
    },
  ],
  [
    "Berlin spring forward, skip",
    {
      zone: "Europe/Berlin",
      expression: "30 2 * * *",
      from: "2026-03-28T00:00:00Z",
      policy: { skippedHour: "skip" },
      slots: ["2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"],
    },
  ],
  [
    "Berlin spring forward, every 30 min: the gap's slots shift onto 03:00 once",
    {
      zone: "Europe/Berlin",
      expression: "*/30 * * * *",
      from: "2026-03-29T00:00:00Z",
      policy: {},
      slots: ["2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"],
    },
  ],
  [
    "Berlin fall back, once (default)",
    {
      zone: "Europe/Berlin",
      expression: "30 2 * * *",
      from: "2026-10-24T00:00:00Z",
      policy: {},
      slots: ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"],
    },
  ],
  [
    "Berlin fall back, twice",
    {
      zone: "Europe/Berlin",
      expression: "30 2 * * *",
      from: "2026-10-24T00:00:00Z",
      policy: { repeatedHour: "twice" },
      slots: ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"],
    },
  ],
  [
    "Berlin fall back, hourly, once: the repeated 02:00 runs the first time only",
    {
      zone: "Europe/Berlin",
      expression: "0 * * * *",
      from: "2026-10-24T23:30:00Z",
      policy: {},
      slots: ["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"],
    },
  ],
  [
    "Berlin fall back, hourly, twice: every real hour",
    {
      zone: "Europe/Berlin",
      expression: "0 * * * *",
      from: "2026-10-24T23:30:00Z",
      policy: { repeatedHour: "twice" },
      slots: ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"],
    },
  ],
  [
    "New York spring forward, shift",
    {
      zone: "America/New_York",
      expression: "30 2 * * *",
      from: "2026-03-07T00:00:00Z",
      policy: {},
      slots: ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"],
    },
  ],
  [
    "New York spring forward, skip",
    {
      zone: "America/New_York",
      expression: "30 2 * * *",
      from: "2026-03-07T00:00:00Z",
      policy: { skippedHour: "skip" },
      slots: ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"],
    },
  ],
  [
    "New York fall back, once",
    {
      zone: "America/New_York",
      expression: "30 1 * * *",
      from: "2026-10-31T00:00:00Z",
      policy: {},
      slots: ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"],
    },
  ],
  [
    "New York fall back, twice",
    {
      zone: "America/New_York",
      expression: "30 1 * * *",
      from: "2026-10-31T00:00:00Z",
      policy: { repeatedHour: "twice" },
      slots: ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z"],
    },
  ],
  [
    "Lord Howe fall back by 30 minutes, once",
    {
      zone: "Australia/Lord_Howe",
      expression: "45 1 * * *",
      from: "2026-04-03T00:00:00Z",
      policy: {},
      slots: ["2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"],
    },
  ],
  [
    "Lord Howe fall back by 30 minutes, twice",
    {
      zone: "Australia/Lord_Howe",
      expression: "45 1 * * *",
      from: "2026-04-03T00:00:00Z",
      policy: { repeatedHour: "twice" },
      slots: ["2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z", "2026-04-05T15:15:00Z"],
    },
  ],
  [
    "Lord Howe spring forward by 30 minutes, shift",
    {
      zone: "Australia/Lord_Howe",
      expression: "15 2 * * *",
      from: "2026-10-02T00:00:00Z",
      policy: {},
      slots: ["2026-10-02T15:45:00Z", "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"],
    },
  ],
  [
    "Lord Howe spring forward by 30 minutes, skip",
    {
      zone: "Australia/Lord_Howe",
      expression: "15 2 * * *",
      from: "2026-10-02T00:00:00Z",
      policy: { skippedHour: "skip" },
      slots: ["2026-10-02T15:45:00Z", "2026-10-04T15:15:00Z", "2026-10-05T15:15:00Z"],
    },
  ],
];

const policyOf = (policy: Partial<DstPolicy>): DstPolicy => ({
  repeatedHour: policy.repeatedHour ?? "once",
  skippedHour: policy.skippedHour ?? "shift",
});

describe("cron across daylight saving transitions", () => {
  it.each(CASES)("%s", (_, { zone, expression, from, policy, slots }) => {
    const schedule = parseCron(expression, zone, "cron", policyOf(policy));
    const expected = slots.map((slot) => Date.parse(slot));
    const next: number[] = [];
    let at = Date.parse(from);
    for (const _slot of expected) {
      at = schedule.next(at);
      next.push(at);
    }
    expect(next.map((slot) => new Date(slot).toISOString())).toEqual(
      expected.map((slot) => new Date(slot).toISOString()),
    );
    // Walking back gives the same slots: misfire catch-up and explain agree with the timer.
    expected.forEach((slot, i) => {
      expect(schedule.latestAtOrBefore(slot)).toBe(slot);
      if (i > 0) expect(schedule.latestAtOrBefore(slot - 1)).toBe(expected[i - 1]);
    });
    const last = expected[expected.length - 1] as number;
    const recent = schedule.recentSlots(Date.parse(from), last, Date.parse(from), 0);
    expect(recent).toEqual({ slots: expected, complete: true });
  });

  it("Lord Howe, which the cron library alone cannot iterate across its transitions, runs every day", () => {
    const schedule = parseCron("0 2 * * *", "Australia/Lord_Howe", "cron");
    let at = Date.parse("2026-04-03T00:00:00Z");
    const days: string[] = [];
    for (let i = 0; i < 3; i++) {
      at = schedule.next(at);
      days.push(new Date(at).toLocaleString("sv-SE", { timeZone: "Australia/Lord_Howe" }));
    }
    expect(days).toEqual(["2026-04-04 02:00:00", "2026-04-05 02:00:00", "2026-04-06 02:00:00"]);
  });
});

describe("DST policies in definitions", () => {
  it("the defaults, stated or not, give the trigger id it had before the policies existed", () => {
    const cron = (policy: object) =>
      triggerDefinitionFromProto(
        create(TriggerSchema, {
          targetTaskId: "t",
          conditions: [
            {
              kind: {
                case: "cron",
                value: { expression: "30 2 * * *", timezone: "Europe/Berlin", ...policy },
              },
            },
          ],
        }),
      );
    const unstated = cron({});
    const stated = cron({ repeatedHour: RepeatedHourPolicy.ONCE, skippedHour: SkippedHourPolicy.SHIFT });
    const twice = cron({ repeatedHour: RepeatedHourPolicy.TWICE });
    expect(unstated).toEqual(stated);
    expect(deriveTriggerId({ ...unstated, appId: "a" }, "runtime")).toBe(
      deriveTriggerId({ ...stated, appId: "a" }, "runtime"),
    );
    // The id of this definition as every version before the policies derived it.
    expect(deriveTriggerId({ ...unstated, appId: "a" }, "runtime")).toBe(UNSTATED_ID);
    expect(deriveTriggerId({ ...twice, appId: "a" }, "runtime")).not.toBe(UNSTATED_ID);
    expect(() => cron({ skippedHour: 7 })).toThrow(
      "trigger.conditions[0].cron.skippedHour: is 7, not one of its values: SKIPPED_HOUR_POLICY_SHIFT (1), SKIPPED_HOUR_POLICY_SKIP (2), or 0 for the default",
    );
  });
});

/** deriveTriggerId of the unstated definition above, computed by the code before DST policies. */
const UNSTATED_ID = "trg_e4d6f8770edc3af9bbf32c0f";
