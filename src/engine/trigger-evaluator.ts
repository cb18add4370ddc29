import { errorMessage } from "../domain/errors.js";
import type { Evaluation } from "../domain/evaluation.js";
import type { JoinEntry } from "../domain/join.js";
import { canonicalJson, type JsonValue } from "../domain/json.js";
import type { Occurrence } from "../domain/occurrence.js";
import type { StatusWatch, Store } from "../store/store.js";
import { buildArguments, type UsedOccurrence } from "./arguments.js";
import type { Clock } from "./clock.js";
import type { CompiledTrigger } from "./compiled-trigger.js";
import { matchCondition } from "./condition-match.js";
import type { Dispatcher } from "./dispatcher.js";
import type { FunctionRunner } from "./function-runner.js";
import { newId } from "./ids.js";
import { applyToJoin, DEFAULT_MAX_PENDING } from "./join.js";
import { occurrenceVariables } from "./occurrence-variables.js";

/**
 * Decides what one trigger does with one occurrence and does it: match the
 * conditions, join (AND), build the arguments, fire once. Returns the evaluation
 * records (SPEC §5). Never throws: a failure becomes an `errored` record.
 */
export class TriggerEvaluator {
  constructor(
    private readonly store: Store,
    private readonly functions: FunctionRunner,
    private readonly clock: Clock,
    private readonly watch: StatusWatch,
    private readonly dispatcher: Dispatcher,
  ) {}

  async evaluate(compiled: CompiledTrigger, occurrence: Occurrence): Promise<Evaluation[]> {
    const { trigger } = compiled;
    const record = (fields: Omit<Evaluation, "triggerId" | "at" | "occurrenceId">): Evaluation => ({
      triggerId: trigger.id,
      at: this.clock.now(),
      occurrenceId: occurrence.id,
      ...fields,
    });
    if (trigger.paused) return [record({ outcome: "skipped", detail: "trigger is paused" })];
    if (compiled.usesFunctions && !this.functions.hasWorkerOf(trigger.appId)) {
      // Its functions run on a worker of its app: keep the evaluation for a replica that has one.
      await this.store.deferEvaluation(trigger.appId, trigger.id, occurrence);
      return [
        record({
          outcome: "deferred",
          detail: `waiting for a worker of app "${trigger.appId}" to evaluate its functions`,
        }),
      ];
    }

    try {
      const callFilter = (functionId: string, value: JsonValue) =>
        this.functions.call(trigger.appId, { functionId, purpose: "filter", triggerId: trigger.id, value });
      const verdicts = await Promise.all(
        compiled.conditions.map((condition) => matchCondition(condition, occurrence, trigger.id, callFilter)),
      );
      const matched = verdicts.flatMap((verdict, index) => (verdict.kind === "match" ? [index] : []));
      if (matched.length === 0) {
        const index = verdicts.findIndex(
          (verdict) => verdict.kind === "error" || verdict.kind === "filtered",
        );
        const verdict = verdicts[index];
        if (!verdict || verdict.kind === "match" || verdict.kind === "unrelated") return [];
        return [
          record({
            outcome: verdict.kind === "error" ? "errored" : "filtered_out",
            conditionIndex: index,
            detail: verdict.detail,
          }),
        ];
      }

      const completing: UsedOccurrence = { conditionIndex: matched[0] as number, occurrence };
      const isJoin = trigger.logic === "and" && compiled.conditions.length > 1;
      if (!isJoin) return [await this.fire(compiled, occurrence, [completing], completing, record)];

      const partition = this.partitionOf(compiled, occurrence);
      if (partition === undefined) {
        return [
          record({
            outcome: "filtered_out",
            detail: `correlation key "${trigger.join.correlationKey}" is missing from the occurrence`,
          }),
        ];
      }
      const now = this.clock.now();
      const { step, evicted } = await this.store.updateJoin(
        trigger.id,
        partition,
        occurrence.id,
        (state) => applyToJoin(state, compiled, occurrence, matched, now),
        trigger.join.maxPending || DEFAULT_MAX_PENDING,
      );
      const expired = [...step.expired, ...evicted.flatMap((state) => state.entries)];
      const records = expired.map((entry) => record(expiredRecord(entry)));
      if (step.outcome.kind === "waiting") {
        const missing = step.outcome.missing;
        records.push(
          record({
            outcome: "waiting",
            missingConditions: missing,
            detail: `waiting for condition(s) ${missing.join(", ")}`,
          }),
        );
        return records;
      }
      records.push(await this.fire(compiled, occurrence, step.outcome.used, completing, record));
      return records;
    } catch (error) {
      return [record({ outcome: "errored", detail: errorMessage(error) })];
    }
  }

  private async fire(
    compiled: CompiledTrigger,
    occurrence: Occurrence,
    used: UsedOccurrence[],
    completing: UsedOccurrence,
    record: (fields: Omit<Evaluation, "triggerId" | "at" | "occurrenceId">) => Evaluation,
  ): Promise<Evaluation> {
    const { trigger } = compiled;
    let args: Awaited<ReturnType<typeof buildArguments>>;
    try {
      args = await buildArguments(compiled, used, completing, (request) =>
        this.functions.call(trigger.appId, { ...request, purpose: "provider", triggerId: trigger.id }),
      );
    } catch (error) {
      return record({ outcome: "errored", detail: errorMessage(error) });
    }
    const unique = (ids: string[]) => [...new Set(ids)];
    const occurrences = used.map((item) => item.occurrence);
    const eventIds = unique(occurrences.flatMap((o) => (o.kind === "event" ? [o.id] : [])));
    const { invocation, created } = await this.dispatcher.createAssigned(trigger.targetTaskId, (assignTo) =>
      this.store.fire(
        {
          invocation: {
            id: newId("inv"),
            taskId: trigger.targetTaskId,
            appId: trigger.appId,
            arguments: args,
            provenance: {
              triggerId: trigger.id,
              occurrenceIds: unique(occurrences.map((o) => o.id)),
              sourceInvocationIds: unique(
                occurrences.flatMap((o) => (o.kind === "status" ? [o.invocationId] : [])),
              ),
              eventIds,
            },
            createdAt: this.clock.now(),
          },
          firingKey: `${trigger.id}|${occurrence.id}`,
          eventIds,
        },
        this.watch,
        assignTo,
      ),
    );
    return created
      ? record({ outcome: "fired", invocationId: invocation.id, detail: `invoked ${trigger.targetTaskId}` })
      : record({
          outcome: "deduplicated",
          invocationId: invocation.id,
          detail: "this occurrence fired the trigger already",
        });
  }

  /** The AND partition of an occurrence: "" without a correlation key; undefined when the key is missing. */
  private partitionOf(compiled: CompiledTrigger, occurrence: Occurrence): string | undefined {
    const correlation = compiled.correlation;
    if (!correlation || occurrence.kind === "cron") return "";
    let value: JsonValue | undefined;
    if (correlation.kind === "cel") {
      value = correlation.program.evaluate(occurrenceVariables(occurrence));
    } else {
      const source = occurrence.kind === "status" ? occurrence.arguments : occurrence.payload;
      value = source[correlation.name];
    }
    return value === undefined || value === null ? undefined : canonicalJson(value);
  }
}

function expiredRecord(entry: JoinEntry): Omit<Evaluation, "triggerId" | "at" | "occurrenceId"> {
  const used = Object.values(entry.satisfied).map((occurrence) => occurrence.id);
  return {
    outcome: "expired",
    detail: `partial match of ${entry.key} (occurrences ${used.join(", ")}) expired`,
  };
}
