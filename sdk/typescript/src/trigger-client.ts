import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TriggerOrigin } from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import { EvaluationOutcome } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { type EventInfo, eventInfo, invocationInfo, jsonToValue, triggerToProto } from "./convert.js";
import { type DryRunContext, type DryRunReplay, type DryRunResult, dryRun, dryRunRecent } from "./dry-run.js";
import { rpc } from "./errors.js";
import { type JsonObject, toJson } from "./json.js";
import { currentTraceparent } from "./tracing.js";
import { type TaskRef, TriggerBuilder } from "./trigger-builder.js";
import type { TriggerHost } from "./trigger-host.js";

export type { TriggerHost } from "./trigger-host.js";

/** A trigger built at run time; register() stores it and resolves to its id. */
export class RuntimeTriggerBuilder extends TriggerBuilder {
  constructor(private readonly app: TriggerHost) {
    super();
  }

  /** Stores the trigger to run `target`; the same definition gives the same id. */
  async register(target: TaskRef): Promise<string> {
    const spec = this.build();
    const targetTaskId = typeof target === "string" ? target : target.name;
    this.app.registerFunctions(spec, "register");
    const response = await rpc(() =>
      this.app.clients.triggers.createTrigger({
        trigger: triggerToProto(spec, targetTaskId, this.app.appId),
      }),
    );
    return response.trigger!.id;
  }
}

/** A trigger as `list()` shows it. */
export interface TriggerSummary {
  id: string;
  targetTaskId: string;
  /** The app whose workers evaluate its functions. */
  appId: string;
  /** "declared" on a task (replaced at each registration) or created at "runtime" (kept until deleted). */
  origin: "declared" | "runtime";
  paused: boolean;
}

/**
 * `app.trigger`: emit events, and create, pause, resume, delete, list and explain
 * triggers at run time. Every condition method starts a RuntimeTriggerBuilder.
 *
 * @example
 * const id = await app.trigger.onSuccess(dataProcessor).withArgsFromResult(buildArgs).register(notificationTask);
 * await app.trigger.pause(id);
 */
export class TriggerClient {
  constructor(private readonly app: TriggerHost) {}

  /**
   * Stores the event, then resolves to its id (with an idempotency key, a repeat
   * returns the first id).
   *
   * @example
   * const eventId = await app.trigger.emitEvent("user.login", { userId: "u1" }, {
   *   idempotencyKey: "login-1",
   * });
   */
  async emitEvent(
    code: string,
    payload: JsonObject = {},
    options: { idempotencyKey?: string } = {},
  ): Promise<string> {
    const response = await rpc(() =>
      this.app.clients.events.emitEvent({
        code,
        payload: jsonToValue(toJson(payload, "the event payload")),
        idempotencyKey: options.idempotencyKey ?? "",
        traceparent: currentTraceparent(),
      }),
    );
    return response.eventId;
  }

  /** Stored events, newest first: of one code and a time range if asked, at most `limit` (default 100). */
  async listEvents(
    filter: { code?: string; since?: Date; until?: Date; limit?: number } = {},
  ): Promise<EventInfo[]> {
    const response = await rpc(() =>
      this.app.clients.events.listEvents({
        code: filter.code ?? "",
        ...timeRange(filter),
        pageSize: filter.limit ?? 100,
      }),
    );
    return response.events.map(eventInfo);
  }

  /**
   * Evaluates the stored events of a time range (and code) against the current
   * triggers, with their original ids: triggers created since fire, those that fired
   * already do not again. Resolves to the number of events replayed.
   */
  async replayEvents(range: { code?: string; since?: Date; until?: Date } = {}): Promise<number> {
    const response = await rpc(() =>
      this.app.clients.events.replayEvents({ code: range.code ?? "", ...timeRange(range) }),
    );
    return response.replayedCount;
  }

  /** Starts a runtime trigger on a cron schedule (see TriggerBuilder.onCron). */
  onCron(...args: Parameters<TriggerBuilder["onCron"]>) {
    return this.builder().onCron(...args);
  }
  /** Starts a runtime trigger on a status (see TriggerBuilder.onStatus). */
  onStatus(...args: Parameters<TriggerBuilder["onStatus"]>) {
    return this.builder().onStatus(...args);
  }
  /** Starts a runtime trigger on a SUCCESS (see TriggerBuilder.onSuccess). */
  onSuccess(...args: Parameters<TriggerBuilder["onSuccess"]>) {
    return this.builder().onSuccess(...args);
  }
  /** Starts a runtime trigger on a final failure (see TriggerBuilder.onFailure). */
  onFailure(...args: Parameters<TriggerBuilder["onFailure"]>) {
    return this.builder().onFailure(...args);
  }
  /** Starts a runtime trigger on a matching result (see TriggerBuilder.onResult). */
  onResult(...args: Parameters<TriggerBuilder["onResult"]>) {
    return this.builder().onResult(...args);
  }
  /** Starts a runtime trigger on any result (see TriggerBuilder.onAnyResult). */
  onAnyResult(...args: Parameters<TriggerBuilder["onAnyResult"]>) {
    return this.builder().onAnyResult(...args);
  }
  /** Starts a runtime trigger on an exception (see TriggerBuilder.onException). */
  onException(...args: Parameters<TriggerBuilder["onException"]>) {
    return this.builder().onException(...args);
  }
  /** Starts a runtime trigger on an event (see TriggerBuilder.onEvent). */
  onEvent(...args: Parameters<TriggerBuilder["onEvent"]>) {
    return this.builder().onEvent(...args);
  }

  /** Pauses a trigger: it fires nothing (its evaluations say `skipped`) until resumed. */
  async pause(triggerId: string): Promise<void> {
    await rpc(() => this.app.clients.triggers.pauseTrigger({ id: triggerId }));
  }

  /** Resumes a paused trigger: it fires again for the occurrences that follow. */
  async resume(triggerId: string): Promise<void> {
    await rpc(() => this.app.clients.triggers.resumeTrigger({ id: triggerId }));
  }

  /** Deletes a trigger with its waiting AND matches, cron state and history. */
  async delete(triggerId: string): Promise<void> {
    await rpc(() => this.app.clients.triggers.deleteTrigger({ id: triggerId }));
  }

  /** The stored triggers, of one target task or app if asked. */
  async list(filter: { targetTaskId?: string; appId?: string } = {}): Promise<TriggerSummary[]> {
    const response = await rpc(() =>
      this.app.clients.triggers.listTriggers({
        targetTaskId: filter.targetTaskId ?? "",
        appId: filter.appId ?? "",
      }),
    );
    return response.triggers.map((trigger) => ({
      id: trigger.id,
      targetTaskId: trigger.targetTaskId,
      appId: trigger.appId,
      origin: trigger.origin === TriggerOrigin.DECLARED ? "declared" : "runtime",
      paused: trigger.paused,
    }));
  }

  /**
   * The next fire times of the trigger's cron conditions, daylight-saving policy
   * applied (default 10, at most 1000; after `after`, default now).
   *
   * @example
   * const times = await app.trigger.preview(triggerId, { count: 3, after: new Date("2026-10-24") });
   */
  async preview(triggerId: string, options: { count?: number; after?: Date } = {}): Promise<Date[]> {
    const response = await rpc(() =>
      this.app.clients.triggers.previewTrigger({
        id: triggerId,
        count: options.count ?? 0,
        ...(options.after ? { after: timestampFromDate(options.after) } : {}),
      }),
    );
    return response.fireTimes.map((time) => timestampDate(time));
  }

  /**
   * Fires every past cron slot of the trigger in [from, to] exactly once: a slot that
   * already fired (live, or in an earlier backfill) is deduplicated. At most 10,000 slots;
   * `to` must not be in the future.
   *
   * @example
   * const { fired, deduplicated } = await app.trigger.backfill(triggerId, { from: outageStart, to: outageEnd });
   */
  async backfill(triggerId: string, range: { from: Date; to: Date }) {
    const { slots, fired, deduplicated, other } = await rpc(() =>
      this.app.clients.triggers.backfillTrigger({
        id: triggerId,
        from: timestampFromDate(range.from),
        to: timestampFromDate(range.to),
      }),
    );
    return { slots, fired, deduplicated, other };
  }

  /**
   * What a stored trigger (its id), or a builder with the task it would target, would do
   * with one occurrence: fire with which arguments, or which condition says no. Nothing
   * fires, nothing is recorded; function filters and providers run on a worker.
   *
   * With `{ recent: N }` instead of a context: the last N stored occurrences of a
   * stored trigger's sources (its tasks' latest invocations, its events, its cron slots),
   * newest first, each with what the trigger would do with it.
   *
   * @example
   * const run = await app.trigger.dryRun(triggerId, { context: { kind: "event", eventCode: "paid", payload: { amount: 5 } } });
   * console.log(run.wouldFire, run.arguments, run.detail);
   * const replays = await app.trigger.dryRun(triggerId, { recent: 100 });
   */
  dryRun(
    subject: string | TriggerBuilder,
    options: { context: DryRunContext; target?: TaskRef },
  ): Promise<DryRunResult>;
  dryRun(triggerId: string, options: { recent: number }): Promise<DryRunReplay[]>;
  dryRun(
    subject: string | TriggerBuilder,
    options: { context: DryRunContext; target?: TaskRef } | { recent: number },
  ): Promise<DryRunResult | DryRunReplay[]> {
    if ("recent" in options) {
      if (typeof subject !== "string")
        throw new TypeError("dryRun: recent replays a stored trigger: give its id");
      return dryRunRecent(this.app, subject, options.recent);
    }
    return dryRun(this.app, subject, options);
  }

  /**
   * Why did (or didn't) the trigger fire: its recent evaluations, newest first, and
   * the AND matches still waiting.
   *
   * @example
   * const { evaluations } = await app.trigger.explain(triggerId);
   * console.log(evaluations[0]?.outcome, evaluations[0]?.detail); // e.g. "filtered_out", "..."
   */
  async explain(triggerId: string, limit = 50) {
    const response = await rpc(() => this.app.clients.triggers.explainTrigger({ id: triggerId, limit }));
    return {
      evaluations: response.evaluations.map((evaluation) => ({
        occurrenceId: evaluation.occurrenceId,
        outcome: EvaluationOutcome[evaluation.outcome].toLowerCase(),
        invocationId: evaluation.invocationId || undefined,
        missingConditions: [...evaluation.missingConditions],
        conditionIndex: evaluation.conditionIndex,
        detail: evaluation.detail,
      })),
      pending: response.pending.map((match) => ({
        correlationKey: match.correlationKey,
        satisfiedConditions: [...match.satisfiedConditions],
        occurrenceIds: [...match.occurrenceIds],
      })),
    };
  }

  /** The invocations a trigger created, newest first. */
  async invocationsOf(triggerId: string) {
    const response = await rpc(() =>
      this.app.clients.invocations.listInvocations({ triggerId, pageSize: 1000 }),
    );
    return response.invocations.map(invocationInfo);
  }

  private builder(): RuntimeTriggerBuilder {
    return new RuntimeTriggerBuilder(this.app);
  }
}

function timeRange(range: { since?: Date; until?: Date }) {
  return {
    ...(range.since ? { since: timestampFromDate(range.since) } : {}),
    ...(range.until ? { until: timestampFromDate(range.until) } : {}),
  };
}
