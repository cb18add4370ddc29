import { errorMessage } from "../../domain/errors.js";
import type { Evaluation } from "../../domain/evaluation.js";
import type { ExpiredMatch } from "../../domain/join.js";
import type { JsonObject, JsonValue } from "../../domain/json.js";
import { type Occurrence, traceOf } from "../../domain/occurrence.js";
import type { FireResult, FireSkip, Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { Dispatcher } from "../invocations/dispatcher.js";
import { applyToJoin, DEFAULT_MAX_PENDING, partitionOf } from "../joins/join.js";
import type { EngineTelemetry } from "../telemetry.js";
import type { EngineTracing } from "../tracing.js";
import { type FunctionRunner, NoWorkerError } from "../workers/function-runner.js";
import { buildArguments, type UsedOccurrence } from "./arguments.js";
import type { CompiledTrigger } from "./compiled-trigger.js";
import { type ConditionVerdict, matchCondition } from "./condition-match.js";
import { type FiringArguments, firedDetail, newFiring } from "./firing.js";

/** What a dry run found: each condition's verdict, the arguments when it would fire, and why. */
export interface DryRun {
  verdicts: ConditionVerdict[];
  wouldFire: boolean;
  /** Set when it would fire. */
  arguments?: JsonObject;
  detail: string;
}

/** An evaluation record without the fields every record of one evaluation shares. */
type RecordFields = Omit<Evaluation, "triggerId" | "at" | "occurrenceId">;

/** What {@link TriggerEvaluator} needs: one dependencies object. */
export interface TriggerEvaluatorDeps {
  store: Pick<Store, "work" | "deferred" | "triggerState">;
  functions: FunctionRunner;
  clock: Clock;
  dispatcher: Dispatcher;
  telemetry: EngineTelemetry;
  tracing: EngineTracing;
}

/**
 * Decides what one trigger does with one occurrence and does it: match the
 * conditions, join (AND), build the arguments, fire once. Returns the evaluation
 * records (docs/design.md §3.13). A failure of user code (a filter, a provider, a CEL
 * expression) becomes an `errored` record; a store failure is thrown, so that the
 * occurrence stays unacknowledged and is evaluated again (exactly-once firing and
 * the join markers absorb what the first attempt already did).
 */
export class TriggerEvaluator {
  constructor(private readonly deps: TriggerEvaluatorDeps) {}

  async evaluate(compiled: CompiledTrigger, occurrence: Occurrence): Promise<Evaluation[]> {
    const { trigger } = compiled;
    const record = (fields: RecordFields): Evaluation => ({
      triggerId: trigger.id,
      at: this.deps.clock.now(),
      occurrenceId: occurrence.id,
      ...fields,
    });
    if (trigger.paused) return [record({ outcome: "skipped", detail: "trigger is paused" })];
    // Its functions run on a worker of its app: keep the evaluation for a replica that has one.
    if (compiled.usesFunctions && !this.deps.functions.hasWorkerOf(trigger.appId))
      return [await this.defer(compiled, occurrence, record)];
    const verdicts = await this.matchConditions(compiled, occurrence);
    // The app's workers went away while a filter waited for one: nothing ran, try later.
    if (verdicts === "no worker") return [await this.defer(compiled, occurrence, record)];
    const matched = verdicts.flatMap((verdict, index) => (verdict.kind === "match" ? [index] : []));
    if (matched.length === 0) return unmatchedRecords(verdicts).map(record);
    const completing: UsedOccurrence = { conditionIndex: matched[0] as number, occurrence };
    const isJoin = trigger.logic === "and" && compiled.conditions.length > 1;
    if (!isJoin) return [await this.fire(compiled, occurrence, [completing], completing, record)];
    return this.join({ compiled, occurrence, matched, verdicts, completing, record });
  }

  /**
   * What the trigger would do with `occurrence`, nothing done (docs/design.md §3.13):
   * its conditions' verdicts, and the arguments it would fire with. An AND trigger is
   * judged on this occurrence alone (its stored partial matches are not consulted).
   */
  async dryRun(compiled: CompiledTrigger, occurrence: Occurrence): Promise<DryRun> {
    const { trigger } = compiled;
    const verdicts = await this.matchConditions(compiled, occurrence);
    if (verdicts === "no worker")
      return {
        verdicts: [],
        wouldFire: false,
        detail: `no worker of app "${trigger.appId}" is connected to run its functions`,
      };
    const matched = verdicts.flatMap((verdict, index) => (verdict.kind === "match" ? [index] : []));
    const unmatched = unmatchedRecords(verdicts)[0];
    if (matched.length === 0)
      return {
        verdicts,
        wouldFire: false,
        detail: unmatched?.detail ?? "no condition concerns this occurrence",
      };
    const isJoin = trigger.logic === "and" && compiled.conditions.length > 1;
    if (isJoin && matched.length < compiled.conditions.length) {
      const missing = compiled.conditions
        .map((_, index) => index)
        .filter((index) => !matched.includes(index));
      return { verdicts, wouldFire: false, detail: `would wait for condition(s) ${missing.join(", ")}` };
    }
    const used = matched.map((conditionIndex) => ({ conditionIndex, occurrence }));
    try {
      const args = await buildArguments(compiled, used, used[0] as UsedOccurrence, (request) =>
        this.deps.functions.call(trigger.appId, { ...request, purpose: "provider", triggerId: trigger.id }),
      );
      const detail = trigger.paused
        ? "would be skipped: the trigger is paused (these are the arguments it would fire with)"
        : `would fire ${trigger.targetTaskId}`;
      return { verdicts, wouldFire: !trigger.paused, arguments: args, detail };
    } catch (error) {
      return { verdicts, wouldFire: false, detail: `would error: ${errorMessage(error)}` };
    }
  }

  /** Each condition's verdict; "no worker" when a filter found none of the app's workers. */
  private async matchConditions(
    compiled: CompiledTrigger,
    occurrence: Occurrence,
  ): Promise<ConditionVerdict[] | "no worker"> {
    const { trigger } = compiled;
    // Filters never throw: their failures come back as "error" verdicts.
    let noWorker = false;
    const callFilter = (functionId: string, value: JsonValue) =>
      this.deps.functions
        .call(trigger.appId, { functionId, purpose: "filter", triggerId: trigger.id, value })
        .catch((error: unknown) => {
          if (error instanceof NoWorkerError) noWorker = true;
          throw error;
        });
    const verdicts = await Promise.all(
      compiled.conditions.map((condition) => matchCondition(condition, occurrence, trigger.id, callFilter)),
    );
    return noWorker ? "no worker" : verdicts;
  }

  /** An AND trigger: the occurrence joins its partition's waiting entries, and fires the match it completes. */
  private async join(step: JoinInput): Promise<Evaluation[]> {
    const { compiled, occurrence, matched, verdicts, completing, record } = step;
    const { trigger } = compiled;
    const partition = this.partition(compiled, occurrence);
    if (typeof partition !== "string") return [record(partition)];
    const now = this.deps.clock.now();
    const cap = trigger.join.maxPending || DEFAULT_MAX_PENDING;
    const update = await this.deps.store.triggerState.updateJoin(
      trigger.id,
      partition,
      occurrence.id,
      (state) => applyToJoin(state, compiled, occurrence, matched, now),
      cap,
    );
    if (update.kind === "skipped") return [record(skippedRecord(update.reason))];
    const records = update.expired.map((match) => record(expiredRecord(match, trigger.join.withinMs, cap)));
    const { outcome } = update;
    switch (outcome.kind) {
      case "waiting":
        records.push(
          record({
            outcome: "waiting",
            missingConditions: outcome.missing,
            detail: `waiting for condition(s) ${outcome.missing.join(", ")}`,
          }),
        );
        return records;
      case "discarded":
        records.push(record(discardedRecord(occurrence, outcome.unsatisfiable, verdicts)));
        return records;
      case "complete":
        records.push(await this.fire(compiled, occurrence, outcome.used, completing, record));
        return records;
    }
  }

  /** The occurrence's join partition, or the record saying why it has none. */
  private partition(compiled: CompiledTrigger, occurrence: Occurrence): string | RecordFields {
    const key = compiled.trigger.join.correlationKey;
    let partition: string | undefined;
    try {
      partition = partitionOf(compiled, occurrence);
    } catch (error) {
      return { outcome: "errored", detail: `correlation key "${key}" failed: ${errorMessage(error)}` };
    }
    return (
      partition ?? {
        outcome: "filtered_out",
        detail: `correlation key "${key}" is missing from the occurrence`,
      }
    );
  }

  /** Keeps the evaluation on the app's deferred stream, for a replica with one of its workers. */
  private async defer(
    compiled: CompiledTrigger,
    occurrence: Occurrence,
    record: (fields: RecordFields) => Evaluation,
  ): Promise<Evaluation> {
    const { appId, id } = compiled.trigger;
    await this.deps.store.deferred.deferEvaluation(appId, id, occurrence);
    return record({
      outcome: "deferred",
      detail: `waiting for a worker of app "${appId}" to evaluate its functions`,
    });
  }

  /** The trace context of a firing's invocation: a cron slot's own, or one continuing what fired it. */
  private traceOf(compiled: CompiledTrigger, used: UsedOccurrence[], completing: UsedOccurrence) {
    const { id: triggerId, targetTaskId } = compiled.trigger;
    const { occurrence } = completing;
    if (occurrence.kind === "cron" && used.length === 1)
      return this.deps.tracing.cronSlot(triggerId, targetTaskId, occurrence.scheduledTime);
    return this.deps.tracing.fired({
      triggerId,
      targetTaskId,
      parent: traceOf(occurrence),
      participants: used.map((item) => traceOf(item.occurrence)),
    });
  }

  private async fire(
    compiled: CompiledTrigger,
    occurrence: Occurrence,
    used: UsedOccurrence[],
    completing: UsedOccurrence,
    record: (fields: RecordFields) => Evaluation,
  ): Promise<Evaluation> {
    const { trigger } = compiled;
    let args: FiringArguments;
    try {
      args = await buildArguments(compiled, used, completing, (request) =>
        this.deps.functions.call(trigger.appId, { ...request, purpose: "provider", triggerId: trigger.id }),
      );
    } catch (error) {
      // A join already consumed its entries: its marker makes the deferred evaluation complete it.
      if (error instanceof NoWorkerError) return this.defer(compiled, occurrence, record);
      return record({ outcome: "errored", detail: errorMessage(error) });
    }
    const firing = newFiring(
      compiled,
      occurrence,
      used,
      args,
      this.deps.clock.now(),
      this.traceOf(compiled, used, completing),
    );
    const result = await this.deps.dispatcher.createAssigned(trigger.targetTaskId, (assignTo) =>
      this.deps.store.work.fire(firing, assignTo),
    );
    if (result.outcome === "fired")
      this.deps.telemetry.invocationTriggered(trigger.id, firing.invocation.createdAt - occurrence.at);
    return record(firedRecord(result, trigger.targetTaskId));
  }
}

/** What evaluate hands to join. */
interface JoinInput {
  compiled: CompiledTrigger;
  occurrence: Occurrence;
  /** The indexes of the conditions it matched. */
  matched: number[];
  verdicts: ConditionVerdict[];
  completing: UsedOccurrence;
  record: (fields: RecordFields) => Evaluation;
}

/** No condition matched: the record of the first that filtered it out or failed, if any. */
function unmatchedRecords(verdicts: readonly ConditionVerdict[]): RecordFields[] {
  const index = verdicts.findIndex((verdict) => verdict.kind === "error" || verdict.kind === "filtered");
  const verdict = verdicts[index];
  if (!verdict || verdict.kind === "match" || verdict.kind === "unrelated") return [];
  return [
    {
      outcome: verdict.kind === "error" ? "errored" : "filtered_out",
      conditionIndex: index,
      detail: verdict.detail,
    },
  ];
}

function firedRecord(result: FireResult, targetTaskId: string): RecordFields {
  switch (result.outcome) {
    case "fired":
      return { outcome: "fired", invocationId: result.invocation.id, detail: firedDetail(targetTaskId) };
    case "deduplicated":
      return {
        outcome: "deduplicated",
        invocationId: result.invocationId,
        detail: result.invocationKept
          ? "this occurrence fired the trigger already"
          : `this occurrence fired the trigger already (invocation ${result.invocationId}, since dropped by retention)`,
      };
    case "skipped":
      return skippedRecord(result.reason);
  }
}

function skippedRecord(reason: FireSkip): RecordFields {
  return {
    outcome: "skipped",
    detail: reason === "trigger paused" ? "trigger is paused" : "trigger was deleted",
  };
}

function expiredRecord(match: ExpiredMatch, withinMs: number, cap: number): RecordFields {
  const what = `partial match of ${match.key} (occurrences ${match.occurrenceIds.join(", ")})`;
  const why = {
    window: `expired: older than the window of ${withinMs} ms`,
    cap: `expired: the trigger keeps at most ${cap} waiting matches`,
    incomplete: "dropped: it can never complete",
  }[match.reason];
  return { outcome: "expired", detail: `${what} ${why}` };
}

/** The record of an occurrence that matched but can never complete its source item's part. */
function discardedRecord(
  occurrence: Occurrence,
  unsatisfiable: readonly number[],
  verdicts: readonly ConditionVerdict[],
): RecordFields {
  const index = unsatisfiable[0] as number;
  const verdict = verdicts[index];
  const source =
    occurrence.kind === "status"
      ? `invocation ${occurrence.invocationId} (${occurrence.status})`
      : occurrence.id;
  const never = `${source} can never satisfy condition(s) ${unsatisfiable.join(", ")}; nothing kept`;
  const because =
    verdict && (verdict.kind === "filtered" || verdict.kind === "error") ? `${verdict.detail}: ` : "";
  return {
    outcome: verdict?.kind === "error" ? "errored" : "filtered_out",
    conditionIndex: index,
    detail: `${because}${never}`,
  };
}
