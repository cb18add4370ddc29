import { createHash } from "node:crypto";
import type { InvocationStatus } from "./invocation.js";
import { canonicalJson, type JsonObject, type JsonValue } from "./json.js";

/**
 * A predicate over one JSON value (call arguments, a result or an event payload):
 * a static value (top-level subset for objects, equality otherwise), a CEL
 * expression evaluated by the orchestrator, or a function of the declaring app
 * evaluated on one of its workers.
 */
export type Filter =
  | { kind: "value"; value: JsonValue }
  | { kind: "cel"; expression: string }
  | { kind: "function"; functionId: string };

/** What a cron condition does with slots missed while nothing ran (docs/design.md §3.9). */
export type MisfirePolicy = "skip" | "once" | "all";

/** A local hour the clock repeats (fall back): its slots run `once` (the first time) or `twice`. */
export type RepeatedHourPolicy = "once" | "twice";
/** A local hour the clock skips (spring forward): its slots run at the gap's end (`shift`) or not (`skip`). */
export type SkippedHourPolicy = "shift" | "skip";

/** How a cron in a zone with daylight saving treats the hours a transition repeats or skips. */
export interface DstPolicy {
  repeatedHour: RepeatedHourPolicy;
  skippedHour: SkippedHourPolicy;
}

/** Holds for each slot of a cron schedule. */
export interface CronCondition {
  kind: "cron";
  /** 5 fields, 6 with seconds first, or an alias such as `@hourly`. */
  expression: string;
  /** IANA time zone. */
  timezone: string;
  misfire: MisfirePolicy;
  /** How far back `all` runs missed slots. */
  catchUpWindowMs: number;
  /** Absent: `once` (the default; absent so that definitions written before keep their ids). */
  repeatedHour?: "twice";
  /** Absent: `shift` (the default). */
  skippedHour?: "skip";
}

/** The DST policy a cron condition states, defaults filled in. */
export function dstPolicyOf(condition: CronCondition): DstPolicy {
  return { repeatedHour: condition.repeatedHour ?? "once", skippedHour: condition.skippedHour ?? "shift" };
}

/** Holds when an invocation of `taskId` reaches one of `statuses`. */
export interface StatusCondition {
  kind: "status";
  taskId: string;
  statuses: InvocationStatus[];
  /** Applies to the invocation's call arguments. */
  callArguments?: Filter;
}

/** Holds for a SUCCESS of `taskId` whose result passes `filterResult`. */
export interface ResultCondition {
  kind: "result";
  taskId: string;
  /** Absent: any result. */
  filterResult?: Filter;
  callArguments?: Filter;
}

/** Holds for a final failure of `taskId` whose error chain contains one of `exceptionTypes`. */
export interface ExceptionCondition {
  kind: "exception";
  taskId: string;
  /** Empty: any error. */
  exceptionTypes: string[];
  callArguments?: Filter;
}

/** Holds for an event with code `code` whose payload passes `payloadFilter`. */
export interface EventCondition {
  kind: "event";
  code: string;
  payloadFilter?: Filter;
}

/** The conditions about a task's invocations. */
export type TaskCondition = StatusCondition | ResultCondition | ExceptionCondition;
/** One condition of a trigger (docs/design.md §3.2). */
export type Condition = CronCondition | TaskCondition | EventCondition;

/** The context a provider function receives. */
export type ContextKind = "status" | "result" | "exception" | "event" | "cron";

/** Builds (part of) a triggered invocation's arguments. */
export type ArgumentProvider =
  | { kind: "static"; value: JsonObject }
  | { kind: "cel"; expression: string }
  /** `context` absent: the context of the occurrence that completed the trigger. */
  | { kind: "function"; functionId: string; context?: ContextKind };

/** How a trigger's conditions combine (docs/design.md §3.3, §3.4). */
export type TriggerLogic = "and" | "or";

/** Partial-match policy of AND triggers. */
export interface JoinOptions {
  /** Partial matches older than this expire; 0 = no window. */
  withinMs: number;
  /** CEL expression or bare field name; "" = no correlation key. */
  correlationKey: string;
  /** Cap of waiting partial matches per trigger; 0 = the orchestrator default. */
  maxPending: number;
}

/** The join options of triggers that are not AND joins (and the normalized form of unset ones). */
export const NO_JOIN_OPTIONS: JoinOptions = { withinMs: 0, correlationKey: "", maxPending: 0 };

/** Everything that makes a trigger what it is; its id is derived from all of it. */
export interface TriggerDefinition {
  /** The task a firing invokes. */
  targetTaskId: string;
  conditions: Condition[];
  logic: TriggerLogic;
  /** Applied in order, their objects merged (later keys win). */
  providers: ArgumentProvider[];
  /** Used by AND triggers with several conditions only. */
  join: JoinOptions;
  /** The app whose workers evaluate function filters and providers. */
  appId: string;
}

/** Declared triggers belong to their app's registration; runtime ones live until deleted. */
export type TriggerOrigin = "declared" | "runtime";

/**
 * A stored trigger: a definition with its derived id (see deriveTriggerId) and its
 * lifecycle state (docs/design.md §3.11).
 */
export interface Trigger extends TriggerDefinition {
  id: string;
  origin: TriggerOrigin;
  /** A paused trigger records `skipped` and fires nothing. */
  paused: boolean;
  createdAt: number;
}

/** The task a task condition listens to, or undefined for cron and event conditions. */
export function sourceTaskOf(condition: Condition): string | undefined {
  return condition.kind === "cron" || condition.kind === "event" ? undefined : condition.taskId;
}

/** The statuses at which a task condition can hold. */
export function statusesOf(condition: TaskCondition): InvocationStatus[] {
  switch (condition.kind) {
    case "status":
      return condition.statuses;
    case "result":
      return ["SUCCESS"];
    case "exception":
      return ["FAILED"];
  }
}

/**
 * Brings a definition to one canonical form (sorted sets, options that cannot
 * matter zeroed), so that equal meanings give equal ids.
 */
export function normalizeDefinition(definition: TriggerDefinition): TriggerDefinition {
  const single = definition.conditions.length <= 1;
  const logic = single ? "and" : definition.logic;
  return {
    ...definition,
    logic,
    join: logic === "and" && !single ? definition.join : NO_JOIN_OPTIONS,
    conditions: definition.conditions.map((condition) => {
      if (condition.kind === "status")
        return { ...condition, statuses: [...new Set(condition.statuses)].sort() };
      if (condition.kind === "exception") {
        return { ...condition, exceptionTypes: [...new Set(condition.exceptionTypes)].sort() };
      }
      return condition;
    }),
  };
}

/** `trg_` + a hash of the canonical definition and its origin. */
export function deriveTriggerId(definition: TriggerDefinition, origin: TriggerOrigin): string {
  const digest = createHash("sha256")
    .update(canonicalJson({ origin, definition: normalizeDefinition(definition) }))
    .digest("hex");
  return `trg_${digest.slice(0, 24)}`;
}
