import { exceedsDepth, MAX_JSON_DEPTH } from "@nenc/protocol/limits";
import { contextAs, naturalContext, type TriggerContext } from "../../domain/context.js";
import { findNonJson, isJsonObject, type JsonObject, type JsonValue } from "../../domain/json.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { ContextKind } from "../../domain/trigger.js";
import type { EvaluationRequest } from "../workers/worker-session.js";
import type { CompiledTrigger } from "./compiled-trigger.js";
import { contextToJson, occurrenceVariables } from "./occurrence-variables.js";

/** The occurrences a firing used, one per condition that took part. */
export interface UsedOccurrence {
  conditionIndex: number;
  occurrence: Occurrence;
}

export type CallProvider = (
  request: Omit<EvaluationRequest, "requestId" | "triggerId" | "purpose">,
) => Promise<JsonValue>;

/**
 * Builds the triggered invocation's arguments: each provider in order yields an
 * object, and the objects are merged with later keys winning. So
 * `withArgsStatic({ level: "info" }).withArgsFromResult(fn)` gives static defaults
 * that the function may override. No provider: `{}`.
 *
 * Throws an Error saying which provider failed and why; the caller records it.
 */
export async function buildArguments(
  compiled: CompiledTrigger,
  used: readonly UsedOccurrence[],
  completing: UsedOccurrence,
  callProvider: CallProvider,
): Promise<JsonObject> {
  const contexts = used.map(({ conditionIndex, occurrence }) =>
    naturalContext(occurrence, compiled.conditions[conditionIndex]?.condition as never),
  );
  let merged: JsonObject = {};
  for (const [index, provider] of compiled.providers.entries()) {
    const label = `argument provider ${index}`;
    let produced: JsonValue;
    switch (provider.kind) {
      case "static":
        produced = provider.value;
        break;
      case "cel":
        try {
          produced = provider.program.evaluate({
            ...occurrenceVariables(completing.occurrence),
            contexts: contexts.map(contextToJson),
          });
        } catch (error) {
          throw new Error(`${label} (CEL) failed: ${(error as Error).message}`);
        }
        break;
      case "function": {
        const context = pickContext(used, completing, provider.context, compiled);
        try {
          produced = await callProvider({ functionId: provider.functionId, context, contexts });
        } catch (error) {
          throw new Error(`${label} (function ${provider.functionId}) failed: ${(error as Error).message}`);
        }
        break;
      }
    }
    if (!isJsonObject(produced)) {
      throw new Error(
        `${label} returned ${describe(produced)}; an argument provider must return an object of named arguments`,
      );
    }
    if (exceedsDepth(produced, MAX_JSON_DEPTH)) {
      throw new Error(`${label} returned a value nested more than ${MAX_JSON_DEPTH} levels deep (the limit)`);
    }
    const bad = findNonJson(produced);
    if (bad) throw new Error(`${label} returned a value that is not JSON at ${bad}`);
    merged = { ...merged, ...produced };
  }
  return merged;
}

/** The context a function provider asked for: from the completing occurrence if it can, else any other. */
function pickContext(
  used: readonly UsedOccurrence[],
  completing: UsedOccurrence,
  kind: ContextKind | undefined,
  compiled: CompiledTrigger,
): TriggerContext {
  if (!kind)
    return naturalContext(
      completing.occurrence,
      compiled.conditions[completing.conditionIndex]?.condition as never,
    );
  for (const candidate of [completing, ...used]) {
    const context = contextAs(candidate.occurrence, kind);
    if (context) return context;
  }
  const needs: Record<ContextKind, string> = {
    status: "a task status",
    result: "a SUCCESS of a task",
    exception: "a failure of a task",
    event: "an event",
    cron: "a cron slot",
  };
  throw new Error(
    `withArgsFrom${kind[0]?.toUpperCase()}${kind.slice(1)} needs ${needs[kind]} among the occurrences that fired the trigger`,
  );
}

function describe(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 60)})`;
}
