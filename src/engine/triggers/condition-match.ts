import type { Occurrence } from "../../domain/occurrence.js";
import type { CompiledCondition } from "./compiled-trigger.js";
import { type CallFilterFunction, describeFilter, evaluateFilter } from "./filters.js";
import { occurrenceVariables } from "./occurrence-variables.js";

/**
 * What one condition says about one occurrence: it holds, it is not about this
 * occurrence at all (silent), a filter rejected it, or a filter failed.
 */
export type ConditionVerdict =
  | { kind: "match" }
  | { kind: "unrelated" }
  | { kind: "filtered"; detail: string }
  | { kind: "error"; detail: string };

/** Decides whether `condition` holds for `occurrence`, running its filters in order. */
export async function matchCondition(
  compiled: CompiledCondition,
  occurrence: Occurrence,
  triggerId: string,
  callFunction: CallFilterFunction,
): Promise<ConditionVerdict> {
  const { condition } = compiled;
  if (!isAbout(compiled, occurrence, triggerId)) return { kind: "unrelated" };

  if (condition.kind === "exception" && occurrence.kind === "status" && condition.exceptionTypes.length > 0) {
    const chain = occurrence.error?.chain ?? [];
    if (!condition.exceptionTypes.some((type) => chain.includes(type) || occurrence.error?.type === type)) {
      return {
        kind: "filtered",
        detail: `exception ${occurrence.error?.type ?? "?"} (chain ${chain.join(" < ")}) is none of ${condition.exceptionTypes.join(", ")}`,
      };
    }
  }

  const variables = occurrenceVariables(occurrence);
  const checks: Array<[label: string, filter: CompiledCondition["callArguments"], value: unknown]> = [];
  if (occurrence.kind === "status") {
    checks.push(["callArguments", compiled.callArguments, occurrence.arguments]);
    if (condition.kind === "result")
      checks.push(["filterResult", compiled.valueFilter, occurrence.result ?? null]);
  } else if (occurrence.kind === "event") {
    checks.push(["payloadFilter", compiled.valueFilter, occurrence.payload]);
  }
  for (const [label, filter, value] of checks) {
    if (!filter) continue;
    const verdict = await evaluateFilter(filter, value as never, variables, callFunction);
    if ("error" in verdict)
      return { kind: "error", detail: `${describeFilter(label, filter)} failed: ${verdict.error}` };
    if (!verdict.pass) return { kind: "filtered", detail: `rejected by ${describeFilter(label, filter)}` };
  }
  return { kind: "match" };
}

/** The structural part: right source and status (or code, or slot). */
function isAbout(compiled: CompiledCondition, occurrence: Occurrence, triggerId: string): boolean {
  const { condition } = compiled;
  switch (condition.kind) {
    case "cron":
      return (
        occurrence.kind === "cron" &&
        occurrence.triggerId === triggerId &&
        occurrence.conditionIndex === compiled.index
      );
    case "event":
      return occurrence.kind === "event" && occurrence.code === condition.code;
    case "status":
      return (
        occurrence.kind === "status" &&
        occurrence.taskId === condition.taskId &&
        condition.statuses.includes(occurrence.status)
      );
    case "result":
      return (
        occurrence.kind === "status" &&
        occurrence.taskId === condition.taskId &&
        occurrence.status === "SUCCESS"
      );
    case "exception":
      return (
        occurrence.kind === "status" &&
        occurrence.taskId === condition.taskId &&
        occurrence.status === "FAILED"
      );
  }
}
