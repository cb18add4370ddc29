import type { Evaluation } from "../../domain/evaluation.js";
import type { CronOccurrence } from "../../domain/occurrence.js";
import type { CronFiringClaim } from "../../store/store.js";
import type { EngineTracing } from "../tracing.js";
import { buildArguments } from "../triggers/arguments.js";
import type { CompiledTrigger } from "../triggers/compiled-trigger.js";
import { firedDetail, newFiring } from "../triggers/firing.js";

/**
 * Whether a trigger's cron slots fire in the step that claims them
 * (TriggerStateStore.fireCron) instead of going through the occurrence log: its
 * only condition is a cron one and its arguments come from static values or CEL
 * alone, so firing needs no worker (no function filter or provider) and no join.
 */
export function firesOnClaim(compiled: CompiledTrigger): boolean {
  const [only, ...more] = compiled.conditions;
  return (
    only !== undefined &&
    more.length === 0 &&
    only.condition.kind === "cron" &&
    !only.valueFilter &&
    !only.callArguments &&
    !compiled.usesFunctions &&
    compiled.providers.every((provider) => provider.kind !== "function")
  );
}

/**
 * The firings of a trigger's due slots with their "fired" records; undefined when a
 * provider fails on one: then its slots take the occurrence path, whose evaluation
 * records why.
 */
export async function cronFirings(
  compiled: CompiledTrigger,
  occurrences: readonly CronOccurrence[],
  now: number,
  tracing: EngineTracing,
): Promise<CronFiringClaim["firings"] | undefined> {
  const { id: triggerId, targetTaskId } = compiled.trigger;
  const firings: CronFiringClaim["firings"] = [];
  for (const occurrence of occurrences) {
    const used = [{ conditionIndex: occurrence.conditionIndex, occurrence }];
    let args: Awaited<ReturnType<typeof buildArguments>>;
    try {
      args = await buildArguments(compiled, used, used[0] as (typeof used)[0], noFunctions);
    } catch {
      return undefined;
    }
    const traceparent = tracing.cronSlot(triggerId, targetTaskId, occurrence.scheduledTime);
    const firing = newFiring(compiled, occurrence, used, args, now, traceparent);
    const record: Evaluation = {
      triggerId: compiled.trigger.id,
      at: now,
      occurrenceId: occurrence.id,
      outcome: "fired",
      invocationId: firing.invocation.id,
      detail: firedDetail(compiled.trigger.targetTaskId),
    };
    firings.push({ firing, record });
  }
  return firings;
}

/** firesOnClaim admits no function provider. */
function noFunctions(): Promise<never> {
  return Promise.reject(new Error("a cron trigger firing on its claim calls no function"));
}

/** The record of a slot claimed while its trigger was paused: as the occurrence path keeps it. */
export function pausedRecord(triggerId: string, occurrence: CronOccurrence, now: number): Evaluation {
  return {
    triggerId,
    at: now,
    occurrenceId: occurrence.id,
    outcome: "skipped",
    detail: "trigger is paused",
  };
}
