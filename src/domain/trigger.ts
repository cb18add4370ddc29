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

export type MisfirePolicy = "skip" | "once" | "all";

export interface CronCondition {
  kind: "cron";
  expression: string;
  /** IANA time zone. */
  timezone: string;
  misfire: MisfirePolicy;
  /** How far back `all` runs missed slots. */
  catchUpWindowMs: number;
}

export interface StatusCondition {
  kind: "status";
  taskId: string;
  statuses: InvocationStatus[];
  callArguments?: Filter;
}

export interface ResultCondition {
  kind: "result";
  taskId: string;
  /** Absent: any result. */
  filterResult?: Filter;
  callArguments?: Filter;
}

export interface ExceptionCondition {
  kind: "exception";
  taskId: string;
  /** Empty: any error. */
  exceptionTypes: string[];
  callArguments?: Filter;
}

export interface EventCondition {
  kind: "event";
  code: string;
  payloadFilter?: Filter;
}

export type TaskCondition = StatusCondition | ResultCondition | ExceptionCondition;
export type Condition = CronCondition | TaskCondition | EventCondition;

/** The context a provider function receives. */
export type ContextKind = "status" | "result" | "exception" | "event" | "cron";

/** Builds (part of) a triggered invocation's arguments. */
export type ArgumentProvider =
  | { kind: "static"; value: JsonObject }
  | { kind: "cel"; expression: string }
  /** `context` absent: the context of the occurrence that completed the trigger. */
  | { kind: "function"; functionId: string; context?: ContextKind };

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

export const NO_JOIN_OPTIONS: JoinOptions = { withinMs: 0, correlationKey: "", maxPending: 0 };

/** Everything that makes a trigger what it is; its id is derived from all of it. */
export interface TriggerDefinition {
  targetTaskId: string;
  conditions: Condition[];
  logic: TriggerLogic;
  providers: ArgumentProvider[];
  join: JoinOptions;
  /** The app whose workers evaluate function filters and providers. */
  appId: string;
}

/** Declared triggers belong to their app's registration; runtime ones live until deleted. */
export type TriggerOrigin = "declared" | "runtime";

export interface Trigger extends TriggerDefinition {
  id: string;
  origin: TriggerOrigin;
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
