import type { WireCondition, WireFilter, WireMisfire, WireProvider } from "@nenc/protocol";
import { type CelExpression, isCel } from "./cel.js";
import type {
  CronContext,
  EventContext,
  ExceptionContext,
  ProviderFunction,
  ResultContext,
  StatusContext,
  TriggerContext,
} from "./contexts.js";
import { type AnyFunction, functionIdentity } from "./functions.js";
import { findNonJson, isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import { parseStatus } from "./status.js";

/** A task, by object (anything with a `name`) or by name (a task of another app or language). */
export type TaskRef = string | { readonly name: string };

/** A filter: a static value, a CEL expression, or a named function. */
export type FilterInput<F extends AnyFunction> = JsonValue | CelExpression | F;
/** A filter on an invocation's call arguments (`callArguments`). */
export type ArgumentsFilter = FilterInput<(args: JsonObject) => boolean | Promise<boolean>>;
/** A filter on a task's result (`filterResult`); a non-object static value must equal the result. */
// biome-ignore lint/suspicious/noExplicitAny: a result filter receives whatever JSON the task returned.
export type ResultFilter = FilterInput<(result: any) => boolean | Promise<boolean>>;
/** A filter on an event's payload (`payloadFilter`). */
export type PayloadFilter = FilterInput<(payload: JsonObject) => boolean | Promise<boolean>>;

/**
 * What onCron does with slots missed while nothing ran: `skip` (default) drops them,
 * `once` runs the latest, `all` runs every one within `catchUpWindow`.
 */
export type MisfirePolicy = WireMisfire;
/** Which context a provider function asks for. */
export type ContextKind = TriggerContext["kind"];

/** Options of onCron. */
export interface CronOptions {
  /** IANA zone; default UTC. */
  timezone?: string;
  /** Default "skip". */
  misfire?: MisfirePolicy;
  /** With misfire "all": how far back, in ms; default one day. */
  catchUpWindow?: number;
  /** Slots of a local hour the clock repeats (fall back): "once" (default) or "twice". */
  repeatedHour?: "once" | "twice";
  /** Slots of a local hour the clock skips (spring forward): "shift" (default) or "skip". */
  skippedHour?: "shift" | "skip";
}

/** `value` if it is one of `allowed`; else a TypeError naming the onCron option. */
function oneOf<T extends string>(value: T, allowed: readonly T[], option: string): T {
  if (!allowed.includes(value))
    throw new TypeError(`onCron: ${option} "${value}" is not one of ${allowed.join(", ")}`);
  return value;
}

/** A filter as the builder checked it; a function carries its identity and the function. */
export type FilterSpec =
  | Exclude<WireFilter, { kind: "function" }>
  | { kind: "function"; functionId: string; fn: AnyFunction };

/** A condition as the builder checked it. */
export type ConditionSpec = WireCondition<FilterSpec>;

/** An argument provider as the builder checked it; a function's `context` absent: the firing occurrence's. */
export type ProviderSpec =
  | Exclude<WireProvider, { kind: "function" }>
  | { kind: "function"; functionId: string; fn: AnyFunction; context?: ContextKind };

/** Everything a builder declared, checked. */
export interface TriggerSpec {
  conditions: ConditionSpec[];
  /** "and" for a single condition. */
  logic: "and" | "or";
  /** In declaration order. */
  providers: ProviderSpec[];
  /** within(), correlateBy() and maxPending; zero and "" when unset. */
  join: { withinMs: number; correlationKey: string; maxPending: number };
}

/**
 * Declares when a task runs and with which arguments. Each method returns the
 * builder; several conditions combine with `withLogic` (default "and").
 *
 * @example
 * app.task("notify_high_priority", notify, {
 *   triggers: new TriggerBuilder().onStatus(processOrder, { statuses: ["SUCCESS"], callArguments: { priority: "high" } }),
 * });
 */
export class TriggerBuilder {
  protected readonly conditions: ConditionSpec[] = [];
  protected readonly providers: ProviderSpec[] = [];
  protected logic: "and" | "or" = "and";
  protected withinMs = 0;
  protected correlationKey = "";
  protected maxPending = 0;

  /**
   * A cron schedule: 5 fields, or 6 with seconds first; IANA `timezone` (default UTC).
   * `misfire` says what happens to slots missed while nothing ran (default "skip").
   * In a zone with daylight saving, `repeatedHour` says whether the slots of an hour
   * the clock repeats run "once" (default) or "twice", and `skippedHour` whether those
   * of an hour it skips run at the first instant after the gap ("shift", default) or not
   * ("skip").
   *
   * @example
   * new TriggerBuilder().onCron("0 9 * * 1-5", { timezone: "Europe/Paris", misfire: "once" });
   * new TriggerBuilder().onCron("30 2 * * *", { timezone: "Europe/Berlin", skippedHour: "skip" });
   */
  onCron(expression: string, options: CronOptions = {}): this {
    const fields = String(expression).trim().split(/\s+/);
    if (!String(expression).trim().startsWith("@") && fields.length !== 5 && fields.length !== 6) {
      throw new TypeError(
        `onCron: "${expression}" has ${fields.length} fields; use 5, or 6 with seconds first`,
      );
    }
    const misfire = oneOf(options.misfire ?? "skip", ["skip", "once", "all"], "misfire");
    const repeatedHour = oneOf(options.repeatedHour ?? "once", ["once", "twice"], "repeatedHour");
    const skippedHour = oneOf(options.skippedHour ?? "shift", ["shift", "skip"], "skippedHour");
    this.conditions.push({
      kind: "cron",
      expression,
      timezone: options.timezone ?? "UTC",
      misfire,
      catchUpWindowMs: durationMs(options.catchUpWindow ?? 0, "onCron: catchUpWindow"),
      ...(repeatedHour === "twice" ? { repeatedHour } : {}),
      ...(skippedHour === "skip" ? { skippedHour } : {}),
    });
    return this;
  }

  /**
   * An invocation of `task` reaching one of `statuses` (default SUCCESS, case-insensitive),
   * optionally only when its call arguments pass `callArguments`.
   *
   * @example
   * new TriggerBuilder().onStatus(processOrder, {
   *   statuses: ["SUCCESS"],
   *   callArguments: { priority: "high" },
   * });
   */
  onStatus(
    task: TaskRef,
    options: { statuses?: readonly string[]; callArguments?: ArgumentsFilter } = {},
  ): this {
    const statuses = (options.statuses ?? ["SUCCESS"]).map((status) => parseStatus(status, "onStatus"));
    if (statuses.length === 0) throw new TypeError("onStatus: statuses is empty; omit it for SUCCESS");
    this.conditions.push({
      kind: "status",
      taskId: taskIdOf(task, "onStatus"),
      statuses,
      ...filter("callArguments", options.callArguments, "onStatus", true),
    });
    return this;
  }

  /** Shorthand for onStatus(task, { statuses: ["SUCCESS"] }). */
  onSuccess(task: TaskRef, options: { callArguments?: ArgumentsFilter } = {}): this {
    return this.onStatus(task, { ...options, statuses: ["SUCCESS"] });
  }

  /** Shorthand for onStatus(task, { statuses: ["FAILED"] }) (final failures). */
  onFailure(task: TaskRef, options: { callArguments?: ArgumentsFilter } = {}): this {
    return this.onStatus(task, { ...options, statuses: ["FAILED"] });
  }

  /**
   * A SUCCESS of `task` whose result matches `filterResult` (a static value, `cel(...)`
   * or a named function).
   *
   * @example
   * new TriggerBuilder().onResult(processOrder, { filterResult: { status: "completed" } });
   */
  onResult(task: TaskRef, options: { filterResult: ResultFilter; callArguments?: ArgumentsFilter }): this {
    if (!options || !("filterResult" in options)) {
      throw new TypeError("onResult: filterResult is required; use onAnyResult for any result");
    }
    this.conditions.push({
      kind: "result",
      taskId: taskIdOf(task, "onResult"),
      ...filter("filterResult", options.filterResult, "onResult", false),
      ...filter("callArguments", options.callArguments, "onResult", true),
    });
    return this;
  }

  /** A SUCCESS of `task`, whatever its result. */
  onAnyResult(task: TaskRef, options: { callArguments?: ArgumentsFilter } = {}): this {
    this.conditions.push({
      kind: "result",
      taskId: taskIdOf(task, "onAnyResult"),
      ...filter("callArguments", options.callArguments, "onAnyResult", true),
    });
    return this;
  }

  /**
   * A final failure of `task` whose error chain holds one of `exceptionTypes`
   * (class names or classes; none = any error). "Error" matches every JS error.
   *
   * @example
   * new TriggerBuilder()
   *   .onException("divide", { exceptionTypes: ["ArithmeticError"] })
   *   .withArgsFromException(reportArgs);
   */
  onException(
    task: TaskRef,
    options: {
      exceptionTypes?: string | { name: string } | ReadonlyArray<string | { name: string }>;
      callArguments?: ArgumentsFilter;
    } = {},
  ): this {
    const raw = options.exceptionTypes;
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const exceptionTypes = list.map((type) => {
      const name = typeof type === "string" ? type : (type as { name: string }).name;
      if (!name) throw new TypeError("onException: exception types must be class names or classes");
      return name;
    });
    this.conditions.push({
      kind: "exception",
      taskId: taskIdOf(task, "onException"),
      exceptionTypes,
      ...filter("callArguments", options.callArguments, "onException", true),
    });
    return this;
  }

  /**
   * A custom event with this code whose payload matches `payloadFilter`.
   *
   * @example
   * new TriggerBuilder().onEvent("user.login", { payloadFilter: { role: "admin" } });
   */
  onEvent(code: string, options: { payloadFilter?: PayloadFilter } = {}): this {
    if (typeof code !== "string" || code.trim() === "")
      throw new TypeError("onEvent: the event code must be a non-empty string");
    this.conditions.push({
      kind: "event",
      code,
      ...filter("payloadFilter", options.payloadFilter, "onEvent", true),
    });
    return this;
  }

  /**
   * How several conditions combine: "and" (default) or "or". OR fires once per
   * occurrence; AND waits until every condition held, then fires once.
   *
   * @example
   * new TriggerBuilder().onSuccess(fetchData).onSuccess(fetchPrices).withLogic("and").within(60_000);
   */
  withLogic(logic: "and" | "or" | "AND" | "OR"): this {
    const lower = String(logic).toLowerCase();
    if (lower !== "and" && lower !== "or") throw new TypeError(`withLogic: "${logic}" is not "and" or "or"`);
    this.logic = lower;
    return this;
  }

  /** AND only: partial matches older than `ms` expire. */
  within(ms: number): this {
    this.withinMs = durationMs(ms, "within");
    return this;
  }

  /**
   * AND only: only occurrences with equal keys combine. A field name (looked up in
   * the arguments of task occurrences and the payload of events) or a CEL expression.
   * `maxPending` bounds the trigger's waiting partial matches, all keys together
   * (default 10,000); the oldest expire first.
   *
   * @example
   * new TriggerBuilder()
   *   .onSuccess(charge)
   *   .onEvent("order.shipped")
   *   .correlateBy("orderId", { maxPending: 1000 });
   */
  correlateBy(key: string | CelExpression, options: { maxPending?: number } = {}): this {
    this.correlationKey = isCel(key) ? key.expression : String(key);
    if (!this.correlationKey.trim()) throw new TypeError("correlateBy: the key is empty");
    if (options.maxPending !== undefined)
      this.maxPending = nonNegative(options.maxPending, "correlateBy: maxPending");
    return this;
  }

  /**
   * Fixed arguments; merged with the other providers in order (later keys win).
   *
   * @example
   * new TriggerBuilder()
   *   .onResult(fetchData, { filterResult: cel("result.count > 0") })
   *   .withArgsStatic({ level: "info" });
   */
  withArgsStatic(args: JsonObject): this {
    if (!isJsonObject(args)) throw new TypeError("withArgsStatic: arguments must be an object");
    const bad = findNonJson(args);
    if (bad) throw new TypeError(`withArgsStatic: not JSON-serialisable at ${bad}`);
    this.providers.push({ kind: "static", value: args });
    return this;
  }

  /** Arguments from a CEL expression that yields a map. */
  withArgsFromCel(expression: CelExpression | string): this {
    this.providers.push({ kind: "cel", expression: isCel(expression) ? expression.expression : expression });
    return this;
  }

  /** Arguments from a named function of the status context (it runs on a worker of this app). */
  withArgsFromStatus(fn: ProviderFunction<StatusContext>): this {
    return this.provider(fn, "status", "withArgsFromStatus");
  }

  /**
   * Arguments from a named function of the result context (it runs on a worker of this app).
   *
   * @example
   * function buildNotification(ctx: ResultContext) {
   *   return { orderId: ctx.arguments.orderId, total: ctx.result };
   * }
   * new TriggerBuilder().onSuccess(processOrder).withArgsFromResult(buildNotification);
   */
  withArgsFromResult(fn: ProviderFunction<ResultContext>): this {
    return this.provider(fn, "result", "withArgsFromResult");
  }

  /** Arguments from a named function of the exception context (it runs on a worker of this app). */
  withArgsFromException(fn: ProviderFunction<ExceptionContext>): this {
    return this.provider(fn, "exception", "withArgsFromException");
  }

  /** Arguments from a named function of the event context (it runs on a worker of this app). */
  withArgsFromEvent(fn: ProviderFunction<EventContext>): this {
    return this.provider(fn, "event", "withArgsFromEvent");
  }

  /** Arguments from a named function of the cron context (it runs on a worker of this app). */
  withArgsFromCron(fn: ProviderFunction<CronContext>): this {
    return this.provider(fn, "cron", "withArgsFromCron");
  }

  /** The context of the occurrence that fired the trigger, whatever its kind. */
  withArgsFromContext(fn: ProviderFunction<TriggerContext>): this {
    return this.provider(fn, undefined, "withArgsFromContext");
  }

  /** The checked declaration; throws when it cannot make a valid trigger. */
  build(): TriggerSpec {
    if (this.conditions.length === 0) {
      throw new TypeError(
        "TriggerBuilder: add a condition (onCron, onStatus, onResult, onException, onEvent, ...)",
      );
    }
    const isJoin = this.logic === "and" && this.conditions.length > 1;
    if (!isJoin && (this.withinMs || this.correlationKey || this.maxPending)) {
      throw new TypeError(
        "TriggerBuilder: within() and correlateBy() apply to AND triggers with several conditions",
      );
    }
    return {
      conditions: [...this.conditions],
      logic: this.conditions.length > 1 ? this.logic : "and",
      providers: [...this.providers],
      join: { withinMs: this.withinMs, correlationKey: this.correlationKey, maxPending: this.maxPending },
    };
  }

  private provider<C extends TriggerContext>(
    fn: ProviderFunction<C>,
    context: ContextKind | undefined,
    where: string,
  ): this {
    if (typeof fn !== "function") throw new TypeError(`${where}: expects a function`);
    const functionId = functionIdentity(fn as AnyFunction, where);
    this.providers.push({
      kind: "function",
      functionId,
      fn: fn as AnyFunction,
      ...(context ? { context } : {}),
    });
    return this;
  }
}

function taskIdOf(task: TaskRef, where: string): string {
  const id = typeof task === "string" ? task : task?.name;
  if (typeof id !== "string" || id.trim() === "")
    throw new TypeError(`${where}: expects a task or a task name`);
  return id;
}

/** The longest duration a trigger may state (the orchestrator refuses more). */
const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;

function durationMs(value: number, where: string): number {
  if (!Number.isFinite(value) || value < 0 || value > MAX_DURATION_MS)
    throw new TypeError(`${where}: expects milliseconds from 0 to ${MAX_DURATION_MS} (7 days), got ${value}`);
  return Math.round(value);
}

function nonNegative(value: number, where: string): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${where}: expects a number ≥ 0`);
  return Math.round(value);
}

function filter<K extends string>(
  key: K,
  input: unknown,
  where: string,
  objectsOnly: boolean,
): { [P in K]?: FilterSpec } {
  if (input === undefined) return {};
  let spec: FilterSpec;
  if (isCel(input)) spec = { kind: "cel", expression: input.expression };
  else if (typeof input === "function")
    spec = {
      kind: "function",
      functionId: functionIdentity(input as AnyFunction, `${where} ${key}`),
      fn: input as AnyFunction,
    };
  else {
    const bad = findNonJson(input);
    if (bad) throw new TypeError(`${where}: ${key} is not JSON-serialisable at ${bad}`);
    if (objectsOnly && !isJsonObject(input)) {
      throw new TypeError(
        `${where}: ${key} must be an object of keys to match, cel(...), or a named function`,
      );
    }
    spec = { kind: "value", value: input as JsonValue };
  }
  return { [key]: spec } as { [P in K]?: FilterSpec };
}
