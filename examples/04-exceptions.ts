/**
 * Seed: "Exception Handling with Triggers". Recovery tasks for divide's failures:
 * one for ZeroDivisionError, one for ValueError, one for any error; each gets its
 * arguments from the exception context.
 * Run: npx tsx examples/04-exceptions.ts
 */
import { type ExceptionContext, TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

// Python's hierarchy, so that the seed's exception names mean the same here.
class ValueError extends Error {}
class ArithmeticError extends Error {}
class ZeroDivisionError extends ArithmeticError {}

// Function to extract arguments from exception context (module level: docs/design.md §3.7)
function buildArgsFromException(ctx: ExceptionContext) {
  const inputArgs = ctx.arguments;
  return {
    originalArgs: `x=${inputArgs.x}, y=${inputArgs.y}`,
    exceptionType: ctx.exceptionType,
    exceptionMessage: ctx.exceptionMessage,
  };
}

type Report = { originalArgs: string; exceptionType: string; exceptionMessage: string };
const report = async ({ originalArgs, exceptionType, exceptionMessage }: Report) =>
  `Division with ${originalArgs} failed with ${exceptionType}: ${exceptionMessage}`;

await runExample("exception handling with triggers", "exceptions", async (app, server) => {
  const divide = app.task("divide", async ({ x, y }: { x: number; y: number }) => {
    if (x < 0 || y < 0) throw new ValueError("Negative numbers not allowed");
    if (y === 0) throw new ZeroDivisionError("division by zero");
    return x / y;
  });

  // Trigger on ZeroDivisionError exceptions
  app.task("report_div_zero_error", report, {
    triggers: new TriggerBuilder()
      .onException(divide, { exceptionTypes: "ZeroDivisionError" })
      .withArgsFromException(buildArgsFromException),
  });

  // Trigger on ValueError exceptions
  app.task("report_value_error", report, {
    triggers: new TriggerBuilder()
      .onException(divide, { exceptionTypes: ["ValueError"] })
      .withArgsFromException(buildArgsFromException),
  });

  // Trigger on any exception
  app.task("report_any_exception", report, {
    triggers: new TriggerBuilder()
      .onException(divide) // No exceptionTypes means match any exception
      .withArgsFromException(buildArgsFromException),
  });

  await app.startWorker();
  for (const args of [
    { x: 10, y: 0 },
    { x: -1, y: 2 },
    { x: 9, y: 3 },
  ]) {
    await (await divide.invoke(args)).result().catch(() => undefined);
  }
  await settle(server);

  const results = async (task: string) => (await runsOf(app, task)).map((run) => run.result);
  expectEqual(
    await results("report_div_zero_error"),
    ["Division with x=10, y=0 failed with ZeroDivisionError: division by zero"],
    "report_div_zero_error",
  );
  expectEqual(
    await results("report_value_error"),
    ["Division with x=-1, y=2 failed with ValueError: Negative numbers not allowed"],
    "report_value_error",
  );
  expectEqual(
    await results("report_any_exception"),
    [
      "Division with x=10, y=0 failed with ZeroDivisionError: division by zero",
      "Division with x=-1, y=2 failed with ValueError: Negative numbers not allowed",
    ],
    "report_any_exception (both failures, not the success)",
  );
});
