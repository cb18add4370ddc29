import { randomUUID } from "node:crypto";
import type { Task } from "../../domain/task.js";
import type { Trigger } from "../../domain/trigger.js";
import type { AppRegistration, RegistryStore } from "../store.js";
import { Batcher } from "./batcher.js";
import type { RedisContext } from "./context.js";

/** Trigger reads of one turn read together (two HMGETs), up to this many. */
const READ_BATCH = 1000;

/**
 * Apps, tasks and triggers on Redis (the registry role): hashes of JSON, changed by
 * one script each (which moves the registry version and publishes the notice), and
 * the data set's identity (openDataSet-2.lua).
 */
export class RedisRegistry implements RegistryStore {
  /** Every replica reads each trigger a registration adds (one notice each): thousands in one turn. */
  private readonly triggerReads = new Batcher((ids: readonly string[]) => this.readTriggers(ids), READ_BATCH);

  constructor(private readonly ctx: RedisContext) {}

  async registerApp(registration: AppRegistration): Promise<{ removedTriggerIds: string[] }> {
    const { keys } = this.ctx;
    const args: Array<string | number> = [registration.appId, registration.tasks.length];
    for (const task of registration.tasks) args.push(task.id, JSON.stringify(task));
    args.push(registration.triggers.length);
    for (const trigger of registration.triggers) args.push(trigger.id, JSON.stringify(trigger));
    const removed = (await this.ctx.run("registerApp", [keys.tasks, keys.triggers], args)) as string[];
    return { removedTriggerIds: removed };
  }

  async registryVersion(): Promise<number> {
    return Number((await this.ctx.redis.get(this.ctx.keys.registry)) ?? 0);
  }

  async openDataSet(awaitApps: readonly string[], awaitMs: number): Promise<string> {
    const { keys } = this.ctx;
    return String(
      await this.ctx.run(
        "openDataSet",
        [keys.dataSet, keys.awaiting],
        [randomUUID(), Math.max(1, Math.floor(awaitMs)), awaitApps.length, ...awaitApps],
      ),
    );
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    const json = await this.ctx.redis.hget(this.ctx.keys.tasks, taskId);
    return json ? (JSON.parse(json) as Task) : undefined;
  }

  async listTasks(): Promise<Task[]> {
    const all = await this.ctx.redis.hgetall(this.ctx.keys.tasks);
    return Object.values(all).map((json) => JSON.parse(json) as Task);
  }

  async createTrigger(trigger: Trigger): Promise<{ trigger: Trigger; created: boolean }> {
    const created =
      (await this.ctx.run(
        "createTrigger",
        [this.ctx.keys.triggers],
        [trigger.id, JSON.stringify(trigger)],
      )) === 1;
    if (created) return { trigger, created };
    return { trigger: (await this.getTrigger(trigger.id)) ?? trigger, created };
  }

  getTrigger(triggerId: string): Promise<Trigger | undefined> {
    return this.triggerReads.add(triggerId);
  }

  private async readTriggers(ids: readonly string[]): Promise<Array<Trigger | undefined>> {
    const [definitions, paused] = await Promise.all([
      this.ctx.redis.hmget(this.ctx.keys.triggers, ...ids),
      this.ctx.redis.hmget(this.ctx.keys.paused, ...ids),
    ]);
    return definitions.map((json, i) =>
      json ? { ...(JSON.parse(json) as Trigger), paused: paused[i] === "1" } : undefined,
    );
  }

  async listTriggers(): Promise<Trigger[]> {
    const [all, paused] = await Promise.all([
      this.ctx.redis.hgetall(this.ctx.keys.triggers),
      this.ctx.redis.hgetall(this.ctx.keys.paused),
    ]);
    return Object.entries(all).map(([id, json]) => ({
      ...(JSON.parse(json) as Trigger),
      paused: paused[id] === "1",
    }));
  }

  async setTriggerPaused(triggerId: string, paused: boolean): Promise<Trigger | undefined> {
    const { keys } = this.ctx;
    const json = (await this.ctx.run(
      "setTriggerPaused",
      [keys.triggers, keys.paused],
      [triggerId, paused ? "1" : "0"],
    )) as string | null;
    return json ? { ...(JSON.parse(json) as Trigger), paused } : undefined;
  }

  async deleteTrigger(triggerId: string): Promise<boolean> {
    const trigger = await this.getTrigger(triggerId);
    if (!trigger) return false;
    const app = trigger.origin === "declared" ? trigger.appId : "";
    return (await this.ctx.run("deleteTrigger", [this.ctx.keys.triggers], [triggerId, app])) === 1;
  }
}
