import { NencError, quote } from "../../domain/errors.js";
import type { Evaluation } from "../../domain/evaluation.js";
import type { JoinState } from "../../domain/join.js";
import type { Logger } from "../../domain/logger.js";
import { MAX_TASK_TIMEOUT_MS, NO_RETRY, type RetryPolicy, type Task } from "../../domain/task.js";
import { deriveTriggerId, dstPolicyOf, type Trigger, type TriggerDefinition } from "../../domain/trigger.js";
import type { Store } from "../../store/store.js";
import type { Admission } from "../admission.js";
import type { Clock } from "../clock.js";
import { parseCron } from "../cron/cron.js";
import { type CountLimits, requireAtMost } from "../limits.js";
import { leadingWithin, requireWithin } from "../response-budget.js";
import { type CompileOptions, compileTrigger } from "../triggers/compiled-trigger.js";
import type { TriggerIndex } from "../triggers/trigger-index.js";
import { MAX_DURATION_MS, requireName, requireSize } from "../validate.js";
import type { TaskRegistry } from "./task-registry.js";

/** A task as an app declares it; absent retry fields take the defaults of NO_RETRY. */
export interface TaskDeclaration {
  id: string;
  retry?: Partial<RetryPolicy>;
  /** See Task.timeoutMs; absent: no limit. */
  timeoutMs?: number;
}

export interface Explanation {
  trigger: Trigger;
  evaluations: Evaluation[];
  pending: Array<{ partition: string; state: JoinState }>;
  /** The next slots of its cron conditions, soonest first (epoch ms; at most NEXT_FIRE_TIMES). */
  nextFireTimes: number[];
}

/** How many coming cron slots an explanation lists. */
const NEXT_FIRE_TIMES = 5;
/** Fire times one preview answers at most. */
const MAX_PREVIEW = 1_000;

/** What {@link TriggerRegistry} needs: one dependencies object. */
export interface TriggerRegistryDeps {
  /** Tasks and triggers an app may have (see limits.ts). */
  countLimits: CountLimits;
  store: Pick<Store, "registry" | "triggerState" | "history">;
  index: TriggerIndex;
  tasks: TaskRegistry;
  clock: Clock;
  logger: Logger;
  admission: Admission;
  /** Steps one CEL evaluation may take (NENC_CEL_MAX_STEPS). */
  celMaxSteps: number;
  /** The most bytes of items one answer holds (list, explain). */
  maxResponseBytes: number;
  /** Largest trigger definition, filter values and static arguments included, in bytes of JSON. */
  maxPayloadBytes: number;
}

/**
 * Apps, their tasks and every trigger: registration (a deploy replaces an app's
 * declared triggers), runtime triggers, pause/resume/delete, and explanations.
 * Keeps the trigger index in step with the store, here and on other replicas.
 */
export class TriggerRegistry {
  private readonly refreshes = new Map<string, number>();

  constructor(private readonly deps: TriggerRegistryDeps) {}

  /**
   * Brings the index in line with the store: at start-up, and after change notices
   * may have been lost (see RegistrySync). Adds new triggers, drops deleted ones and
   * applies pause changes; a definition never changes under its id, so the others
   * keep their compiled form.
   */
  async load(): Promise<void> {
    const stored = await this.deps.store.registry.listTriggers();
    const ids = new Set(stored.map((trigger) => trigger.id));
    for (const compiled of [...this.deps.index.all()])
      if (!ids.has(compiled.trigger.id)) this.deps.index.remove(compiled.trigger.id);
    for (const trigger of stored)
      if (this.deps.index.get(trigger.id)?.trigger.paused !== trigger.paused) this.indexTrigger(trigger);
  }

  /** Re-reads one trigger after a change notice; the latest notice wins. */
  async refresh(triggerId: string): Promise<void> {
    const ticket = (this.refreshes.get(triggerId) ?? 0) + 1;
    this.refreshes.set(triggerId, ticket);
    const trigger = await this.deps.store.registry.getTrigger(triggerId);
    if (this.refreshes.get(triggerId) !== ticket) return;
    this.refreshes.delete(triggerId);
    if (!trigger) this.deps.index.remove(triggerId);
    // A trigger's definition never changes under its id: only a new pause state needs indexing.
    else if (this.deps.index.get(triggerId)?.trigger.paused !== trigger.paused) this.indexTrigger(trigger);
  }

  async registerApp(
    appId: string,
    declarations: readonly TaskDeclaration[],
    definitions: ReadonlyArray<Omit<TriggerDefinition, "appId">>,
  ): Promise<{ triggerIds: string[]; removedTriggerIds: string[] }> {
    requireName(appId, "appId", "app's id");
    requireAtMost(declarations.length, this.deps.countLimits.tasksPerApp, "tasks", "tasks");
    requireAtMost(definitions.length, this.deps.countLimits.declaredTriggersPerApp, "triggers", "triggers");
    const tasks = await this.validTasks(appId, declarations);
    const now = this.deps.clock.now();
    const triggers = definitions.map((definition, i) => {
      const field = `triggers[${i}]`;
      if (!tasks.some((task) => task.id === definition.targetTaskId)) {
        throw NencError.invalid(
          `${field}.targetTaskId`,
          `"${definition.targetTaskId}" is not one of the app's tasks`,
        );
      }
      const full: TriggerDefinition = { ...definition, appId };
      requireSize(full, field, this.deps.maxPayloadBytes);
      const trigger: Trigger = {
        ...full,
        id: deriveTriggerId(full, "declared"),
        origin: "declared",
        paused: false,
        createdAt: now,
      };
      return compileTrigger(trigger, field, this.strict);
    });
    const unique = [...new Map(triggers.map((compiled) => [compiled.trigger.id, compiled])).values()];
    const { removedTriggerIds } = await this.deps.store.registry.registerApp({
      appId,
      tasks,
      triggers: unique.map((compiled) => compiled.trigger),
    });
    for (const task of tasks) this.deps.tasks.put(task);
    for (const id of removedTriggerIds) this.deps.index.remove(id);
    // Triggers kept from the previous registration keep their state (and pause flag) in the index.
    for (const compiled of unique)
      if (!this.deps.index.get(compiled.trigger.id)) this.deps.index.put(compiled);
    this.deps.logger.info("app registered", {
      appId,
      tasks: tasks.length,
      triggers: unique.length,
      removed: removedTriggerIds.length,
    });
    return { triggerIds: triggers.map((compiled) => compiled.trigger.id), removedTriggerIds };
  }

  /** The app's tasks as declared, checked: names, no duplicates, owned by no other app, policies. */
  private async validTasks(appId: string, declarations: readonly TaskDeclaration[]): Promise<Task[]> {
    const tasks: Task[] = [];
    for (const [i, declaration] of declarations.entries()) {
      requireName(declaration.id, `tasks[${i}].id`, "task's name");
      if (tasks.some((task) => task.id === declaration.id)) {
        throw NencError.invalid(`tasks[${i}].id`, `task "${declaration.id}" is declared twice`);
      }
      const owner = (await this.deps.tasks.get(declaration.id))?.appId;
      if (owner && owner !== appId) {
        throw new NencError(
          "ALREADY_EXISTS",
          `task "${declaration.id}" belongs to app "${owner}"; task ids are global, pick another name`,
          `tasks[${i}].id`,
        );
      }
      const task: Task = {
        id: declaration.id,
        appId,
        retry: validRetry(declaration.retry, `tasks[${i}].retry`),
      };
      if (declaration.timeoutMs !== undefined) {
        task.timeoutMs = validTimeout(declaration.timeoutMs, `tasks[${i}].timeoutMs`);
      }
      tasks.push(task);
    }
    return tasks;
  }

  /** How new definitions are checked: every rule, the current step limit. */
  private get strict(): CompileOptions {
    return { celMaxSteps: this.deps.celMaxSteps, strict: true };
  }

  /** Creates a runtime trigger; the same definition gives the same trigger (created: false). */
  async create(definition: TriggerDefinition): Promise<{ trigger: Trigger; created: boolean }> {
    this.deps.admission.require();
    requireName(definition.targetTaskId, "trigger.targetTaskId", "task the trigger runs");
    const target = await this.deps.tasks.get(definition.targetTaskId);
    if (!target) {
      throw NencError.notFound(
        "task",
        definition.targetTaskId,
        "trigger.targetTaskId must name a registered task",
      );
    }
    const full: TriggerDefinition = { ...definition, appId: definition.appId || target.appId };
    requireSize(full, "trigger", this.deps.maxPayloadBytes);
    this.requireRuntimeRoom(full.appId);
    const candidate: Trigger = {
      ...full,
      id: deriveTriggerId(full, "runtime"),
      origin: "runtime",
      paused: false,
      createdAt: this.deps.clock.now(),
    };
    compileTrigger(candidate, "trigger", this.strict);
    const result = await this.deps.store.registry.createTrigger(candidate);
    this.indexTrigger(result.trigger);
    return result;
  }

  /** Refuses a new runtime trigger on an app that has as many as its limit. */
  private requireRuntimeRoom(appId: string): void {
    const count = this.deps.index.runtimeCount(appId);
    if (count >= this.deps.countLimits.runtimeTriggersPerApp) {
      throw new NencError(
        "RESOURCE_EXHAUSTED",
        `app ${quote(appId)} has ${count} runtime triggers, the limit (delete unused ones first)`,
        "trigger",
      );
    }
  }

  async get(triggerId: string): Promise<Trigger> {
    if (!triggerId) throw NencError.invalid("id", "is required: the trigger id");
    const trigger = await this.deps.store.registry.getTrigger(triggerId);
    if (!trigger) throw NencError.notFound("trigger", triggerId, "list triggers to see the ids");
    return trigger;
  }

  /** Answered whole, or RESOURCE_EXHAUSTED past the response budget (narrow it by app or task). */
  async list(filter: { targetTaskId?: string; appId?: string }): Promise<Trigger[]> {
    const triggers = (await this.deps.store.registry.listTriggers())
      .filter(
        (t) =>
          (!filter.targetTaskId || t.targetTaskId === filter.targetTaskId) &&
          (!filter.appId || t.appId === filter.appId),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    requireWithin(
      triggers,
      this.deps.maxResponseBytes,
      "triggers listed",
      "list fewer with appId or targetTaskId",
    );
    return triggers;
  }

  async setPaused(triggerId: string, paused: boolean): Promise<Trigger> {
    await this.get(triggerId);
    const trigger = await this.deps.store.registry.setTriggerPaused(triggerId, paused);
    if (!trigger) throw NencError.notFound("trigger", triggerId);
    this.indexTrigger(trigger);
    return trigger;
  }

  async delete(triggerId: string): Promise<void> {
    if (!triggerId) throw NencError.invalid("id", "is required: the trigger id");
    if (!(await this.deps.store.registry.deleteTrigger(triggerId)))
      throw NencError.notFound("trigger", triggerId);
    this.deps.index.remove(triggerId);
  }

  /**
   * The next `count` fire times (default 10, at most MAX_PREVIEW) of the trigger's cron
   * conditions after `after` (default now), daylight-saving policy applied.
   */
  async preview(triggerId: string, count: number, after?: number): Promise<number[]> {
    if (!Number.isInteger(count) || count < 0 || count > MAX_PREVIEW)
      throw NencError.invalid("count", `must be between 0 (default 10) and ${MAX_PREVIEW}`);
    const trigger = await this.get(triggerId);
    return nextFireTimes(trigger, after ?? this.deps.clock.now(), count || 10);
  }

  async explain(triggerId: string, limit: number): Promise<Explanation> {
    if (limit < 0 || limit > 1000)
      throw NencError.invalid("limit", "must be between 0 (default 50) and 1000");
    const trigger = await this.get(triggerId);
    const [evaluations, pending] = await Promise.all([
      this.deps.store.history.listEvaluations(triggerId, limit || 50),
      this.deps.store.triggerState.listJoinStates(triggerId),
    ]);
    // Each part gets half the response budget: the newest evaluations and the
    // oldest waiting partitions that fit.
    const half = this.deps.maxResponseBytes / 2;
    return {
      trigger,
      evaluations: leadingWithin(evaluations, half),
      pending: leadingWithin(pending, half),
      nextFireTimes: nextFireTimes(trigger, this.deps.clock.now()),
    };
  }

  private indexTrigger(trigger: Trigger): void {
    try {
      this.deps.index.put(
        compileTrigger(trigger, "trigger", { celMaxSteps: this.deps.celMaxSteps, strict: false }),
      );
    } catch (error) {
      this.deps.logger.error("stored trigger no longer compiles; it stays inactive", {
        triggerId: trigger.id,
        error: String(error),
      });
      this.deps.index.remove(trigger.id);
    }
  }
}

function validTimeout(timeoutMs: number, field: string): number {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TASK_TIMEOUT_MS) {
    throw NencError.invalid(
      field,
      `must be an integer number of milliseconds from 1 to ${MAX_TASK_TIMEOUT_MS} (7 days), got ${timeoutMs}; leave it out for no limit`,
    );
  }
  return timeoutMs;
}

function validRetry(retry: Partial<RetryPolicy> | undefined, field: string): RetryPolicy {
  const policy = { ...NO_RETRY, ...retry };
  const check = (ok: boolean, name: string, rule: string) => {
    if (!ok) throw NencError.invalid(`${field}.${name}`, rule);
  };
  check(
    Number.isInteger(policy.maxRetries) && policy.maxRetries >= 0 && policy.maxRetries <= 1000,
    "maxRetries",
    "must be an integer from 0 to 1000",
  );
  const durationRule = `must be whole milliseconds from 0 to ${MAX_DURATION_MS} (7 days)`;
  const isDuration = (ms: number) => Number.isInteger(ms) && ms >= 0 && ms <= MAX_DURATION_MS;
  check(
    isDuration(policy.initialBackoffMs),
    "initialBackoffMs",
    `is ${policy.initialBackoffMs}; ${durationRule}`,
  );
  check(
    policy.backoffMultiplier >= 1 && policy.backoffMultiplier <= 100,
    "backoffMultiplier",
    "must be from 1 to 100",
  );
  check(isDuration(policy.maxBackoffMs), "maxBackoffMs", `is ${policy.maxBackoffMs}; ${durationRule}`);
  check(policy.maxBackoffMs >= policy.initialBackoffMs, "maxBackoffMs", "must be at least initialBackoffMs");
  return policy;
}

/** The next `count` slots of a trigger's cron conditions after `now`, soonest first. */
function nextFireTimes(trigger: Trigger, now: number, count = NEXT_FIRE_TIMES): number[] {
  const times = new Set<number>();
  for (const condition of trigger.conditions) {
    if (condition.kind !== "cron") continue;
    const schedule = parseCron(
      condition.expression,
      condition.timezone,
      "expression",
      dstPolicyOf(condition),
    );
    let at = now;
    for (let i = 0; i < count; i++) {
      at = schedule.next(at);
      times.add(at);
    }
  }
  return [...times].sort((a, b) => a - b).slice(0, count);
}
