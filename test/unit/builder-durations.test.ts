import { TriggerBuilder } from "@nenc/sdk";
import { describe, expect, it } from "vitest";

describe("TriggerBuilder durations", () => {
  it("refuses within and catchUpWindow outside 0 … 7 days in the user's process, naming the method", () => {
    const week = 7 * 24 * 3600 * 1000;
    expect(() => new TriggerBuilder().within(week + 1)).toThrow(
      `within: expects milliseconds from 0 to ${week} (7 days), got ${week + 1}`,
    );
    expect(() => new TriggerBuilder().within(-1)).toThrow("within: expects milliseconds from 0");
    expect(() => new TriggerBuilder().onCron("* * * * *", { catchUpWindow: 2 ** 63 })).toThrow(
      "onCron: catchUpWindow: expects milliseconds from 0",
    );
    expect(() =>
      new TriggerBuilder().within(week).onCron("* * * * *", { catchUpWindow: week }),
    ).not.toThrow();
  });
});
