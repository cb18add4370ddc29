import { NencError } from "../../domain/errors.js";
import { findNonJson, isJsonObject, type JsonValue } from "../../domain/json.js";
import {
  type ArgumentProvider,
  type Condition,
  type ContextKind,
  dstPolicyOf,
  type Filter,
  sourceTaskOf,
  type Trigger,
} from "../../domain/trigger.js";
import { type BoundCel, bindCel } from "../cel/cel.js";
import { DEFAULT_CEL_MAX_STEPS } from "../cel/cel-meter.js";
import { type CronSchedule, parseCron } from "../cron/cron.js";
import { requireDepth, requireDuration, requireName } from "../validate.js";

/** CEL variables of each context kind (docs/design.md §3.1), in camelCase. */
export const TASK_VARIABLES = [
  "invocationId",
  "taskId",
  "arguments",
  "status",
  "timestamp",
  "attempt",
  "result",
  "exceptionType",
  "exceptionMessage",
  "exceptionChain",
] as const;
export const EVENT_VARIABLES = ["eventId", "eventCode", "payload", "timestamp"] as const;
export const CRON_VARIABLES = ["scheduledTime", "firedAt", "lastScheduledTime"] as const;

export type CompiledFilter =
  | { kind: "value"; value: JsonValue }
  | { kind: "cel"; program: BoundCel }
  | { kind: "function"; functionId: string };

export type CompiledProvider =
  | { kind: "static"; value: Record<string, JsonValue> }
  | { kind: "cel"; program: BoundCel }
  | { kind: "function"; functionId: string; context?: ContextKind };

export interface CompiledCondition {
  index: number;
  condition: Condition;
  /** Conditions with the same source (task, event code) share a join group. */
  group: number;
  callArguments?: CompiledFilter;
  /** filterResult or payloadFilter. */
  valueFilter?: CompiledFilter;
  cron?: CronSchedule;
}

/** A trigger validated once and ready to evaluate: CEL planned, cron parsed, groups computed. */
export interface CompiledTrigger {
  trigger: Trigger;
  conditions: CompiledCondition[];
  /** Condition indexes per join group. */
  groups: number[][];
  providers: CompiledProvider[];
  /** Some filter or provider is a function: evaluating needs a worker of the trigger's app. */
  usesFunctions: boolean;
  /** AND correlation key: a CEL program, or a field looked up in arguments / payload. */
  correlation?: { kind: "cel"; program: BoundCel } | { kind: "field"; name: string };
}

/** How strictly compileTrigger checks, and the limit CEL programs run under. */
export interface CompileOptions {
  /** Steps one CEL evaluation may take (see DEFAULT_CEL_MAX_STEPS). */
  celMaxSteps: number;
  /**
   * A new definition (CreateTrigger, RegisterApp): also refuse what an older
   * version stored without complaint (out-of-range durations, event codes that
   * no event can have, CEL of the wrong type or over the step limit), so a stored
   * trigger still loads and reads back.
   */
  strict: boolean;
}

const DEFAULT_OPTIONS: CompileOptions = { celMaxSteps: DEFAULT_CEL_MAX_STEPS, strict: false };

const MAX_CONDITIONS = 32;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a trigger and prepares it for evaluation. Every error is an
 * INVALID_ARGUMENT whose field is a path into the trigger, e.g.
 * `trigger.conditions[1].cron.timezone`.
 */
export function compileTrigger(
  trigger: Trigger,
  field = "trigger",
  options: CompileOptions = DEFAULT_OPTIONS,
): CompiledTrigger {
  checkShape(trigger, field, options);
  const join = trigger.join;
  const groupKeys: string[] = [];
  const conditions = trigger.conditions.map((condition, index) => {
    const path = `${field}.conditions[${index}]`;
    const key = groupKeyOf(condition, index);
    let group = groupKeys.indexOf(key);
    if (group < 0) group = groupKeys.push(key) - 1;
    return compileCondition(condition, { index, group, path, appId: trigger.appId, options });
  });
  const groups = groupKeys.map((_, group) => conditions.filter((c) => c.group === group).map((c) => c.index));

  const providerVariables = [
    ...new Set([...conditions.flatMap((c) => variablesOf(c.condition)), "contexts"]),
  ];
  const providers = trigger.providers.map((provider, index) =>
    compileProvider(
      provider,
      `${field}.argumentProviders[${index}]`,
      providerVariables,
      trigger.appId,
      options,
    ),
  );

  const usesFunctions =
    providers.some((provider) => provider.kind === "function") ||
    conditions.some((c) => c.callArguments?.kind === "function" || c.valueFilter?.kind === "function");
  const compiled: CompiledTrigger = { trigger, conditions, groups, providers, usesFunctions };
  const key = join.correlationKey.trim();
  if (key) {
    const variables = [...new Set(conditions.flatMap((c) => variablesOf(c.condition)))];
    compiled.correlation =
      IDENTIFIER.test(key) && !variables.includes(key)
        ? { kind: "field", name: key }
        : {
            kind: "cel",
            program: bindCel(key, variables, `${field}.join.correlationKey`, "key", options),
          };
  }
  return compiled;
}

/** Checks what does not depend on one condition: the target, the condition count, join options. */
function checkShape(trigger: Trigger, field: string, options: CompileOptions): void {
  if (!trigger.targetTaskId)
    throw NencError.invalid(`${field}.targetTaskId`, "is required: the task the trigger runs");
  const count = trigger.conditions.length;
  if (count === 0)
    throw NencError.invalid(
      `${field}.conditions`,
      "needs at least one condition (onStatus, onEvent, onCron...)",
    );
  if (count > MAX_CONDITIONS)
    throw NencError.invalid(`${field}.conditions`, `has ${count} conditions; at most ${MAX_CONDITIONS}`);
  const isJoin = trigger.logic === "and" && count > 1;
  const join = trigger.join;
  if (!isJoin && (join.withinMs !== 0 || join.correlationKey !== "" || join.maxPending !== 0)) {
    throw NencError.invalid(
      `${field}.join`,
      "within / correlateBy apply to AND triggers with several conditions only",
    );
  }
  if (join.withinMs < 0)
    throw NencError.invalid(`${field}.join.withinMs`, "must be 0 (no window) or positive");
  if (options.strict) requireDuration(join.withinMs, `${field}.join.withinMs`, "no window");
  if (join.maxPending < 0 || join.maxPending > 1_000_000) {
    throw NencError.invalid(`${field}.join.maxPending`, "must be between 0 (default) and 1000000");
  }
}

/** Conditions on one task share a group (joined per invocation); any other condition is its own. */
function groupKeyOf(condition: Condition, index: number): string {
  const task = sourceTaskOf(condition);
  return task === undefined ? `${condition.kind}:${index}` : `task:${task}`;
}

export function variablesOf(condition: Condition): readonly string[] {
  if (condition.kind === "event") return EVENT_VARIABLES;
  if (condition.kind === "cron") return CRON_VARIABLES;
  return TASK_VARIABLES;
}

interface ConditionSite {
  index: number;
  group: number;
  path: string;
  appId: string;
  options: CompileOptions;
}

function compileCondition(condition: Condition, site: ConditionSite): CompiledCondition {
  const { index, group, path, options } = site;
  const compiled: CompiledCondition = { index, condition, group };
  const at = { variables: variablesOf(condition), appId: site.appId, options };
  switch (condition.kind) {
    case "cron":
      if (condition.catchUpWindowMs < 0)
        throw NencError.invalid(`${path}.cron.catchUpWindowMs`, "must be 0 or positive");
      if (options.strict)
        requireDuration(condition.catchUpWindowMs, `${path}.cron.catchUpWindowMs`, "one day");
      compiled.cron = parseCron(
        condition.expression,
        condition.timezone,
        `${path}.cron`,
        dstPolicyOf(condition),
      );
      return compiled;
    case "event":
      if (!condition.code.trim())
        throw NencError.invalid(`${path}.event.code`, "is required: the event code to react to");
      if (options.strict) requireName(condition.code, `${path}.event.code`, "event code to react to");
      if (condition.payloadFilter) {
        compiled.valueFilter = compileFilter(
          condition.payloadFilter,
          `${path}.event.payloadFilter`,
          at,
          true,
        );
      }
      return compiled;
    default: {
      const kindPath = `${path}.${condition.kind}`;
      if (!condition.taskId) throw NencError.invalid(`${kindPath}.taskId`, "is required: the task to watch");
      if (condition.kind === "status" && condition.statuses.length === 0) {
        throw NencError.invalid(`${kindPath}.statuses`, "must name at least one status (default: SUCCESS)");
      }
      if (condition.kind === "exception") {
        condition.exceptionTypes.forEach((type, i) => {
          if (!type.trim())
            throw NencError.invalid(`${kindPath}.exceptionTypes[${i}]`, "is empty; give an error class name");
        });
      }
      if (condition.callArguments) {
        compiled.callArguments = compileFilter(
          condition.callArguments,
          `${kindPath}.callArguments`,
          at,
          true,
        );
      }
      if (condition.kind === "result" && condition.filterResult) {
        compiled.valueFilter = compileFilter(condition.filterResult, `${kindPath}.filterResult`, at, false);
      }
      return compiled;
    }
  }
}

function compileFilter(
  filter: Filter,
  path: string,
  at: { variables: readonly string[]; appId: string; options: CompileOptions },
  mustBeObject: boolean,
): CompiledFilter {
  const { variables, appId, options } = at;
  switch (filter.kind) {
    case "value": {
      requireDepth(filter.value, path);
      const bad = findNonJson(filter.value);
      if (bad) throw NencError.invalid(path, `is not JSON-serialisable at ${bad}`);
      if (mustBeObject && !isJsonObject(filter.value)) {
        throw NencError.invalid(path, "a static filter here must be an object of the keys to match");
      }
      return { kind: "value", value: filter.value };
    }
    case "cel":
      return { kind: "cel", program: bindCel(filter.expression, variables, path, "filter", options) };
    case "function":
      requireFunction(filter.functionId, appId, path);
      return { kind: "function", functionId: filter.functionId };
  }
}

function compileProvider(
  provider: ArgumentProvider,
  path: string,
  variables: readonly string[],
  appId: string,
  options: CompileOptions,
): CompiledProvider {
  switch (provider.kind) {
    case "static": {
      requireDepth(provider.value, path);
      const bad = findNonJson(provider.value);
      if (bad) throw NencError.invalid(path, `static arguments are not JSON-serialisable at ${bad}`);
      if (!isJsonObject(provider.value)) throw NencError.invalid(path, "static arguments must be an object");
      return { kind: "static", value: provider.value };
    }
    case "cel":
      return {
        kind: "cel",
        program: bindCel(provider.expression, variables, path, "provider", options),
      };
    case "function":
      requireFunction(provider.functionId, appId, path);
      return provider.context
        ? { kind: "function", functionId: provider.functionId, context: provider.context }
        : { kind: "function", functionId: provider.functionId };
  }
}

function requireFunction(functionId: string, appId: string, path: string): void {
  if (!functionId) throw NencError.invalid(`${path}.function`, "is empty; name the function");
  if (!appId) {
    throw NencError.invalid(
      path,
      "uses a function, so the trigger needs an appId whose workers can evaluate it",
    );
  }
}
