import type { Task } from "../../domain/task.js";
import type { LiveWorker, Store } from "../../store/store.js";
import type { Clock } from "../clock.js";

/**
 * The registered tasks, cached. The cache is refreshed when any app registers (on
 * this replica or another); a miss asks the store, so a task registered a moment
 * ago on another replica is still found.
 */
export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();

  constructor(
    private readonly store: Pick<Store, "registry" | "work">,
    private readonly clock: Clock,
  ) {}

  /** How many live workers run each task, on every replica (tasks none runs are absent). */
  async servingWorkers(): Promise<Map<string, number>> {
    const serving = new Map<string, number>();
    for (const worker of await this.store.work.liveWorkers(this.clock.now()))
      for (const taskId of worker.taskIds) serving.set(taskId, (serving.get(taskId) ?? 0) + 1);
    return serving;
  }

  /** The live workers (of one app, or all), on every replica, by app then worker id. */
  async liveWorkers(appId?: string): Promise<LiveWorker[]> {
    const workers = await this.store.work.liveWorkers(this.clock.now());
    return workers
      .filter((worker) => appId === undefined || worker.appId === appId)
      .sort((a, b) => a.appId.localeCompare(b.appId) || a.workerId.localeCompare(b.workerId));
  }

  async load(): Promise<void> {
    const tasks = await this.store.registry.listTasks();
    this.tasks.clear();
    for (const task of tasks) this.tasks.set(task.id, task);
  }

  put(task: Task): void {
    this.tasks.set(task.id, task);
  }

  cached(taskId: string): Task | undefined {
    return this.tasks.get(taskId);
  }

  async get(taskId: string): Promise<Task | undefined> {
    const cached = this.tasks.get(taskId);
    if (cached) return cached;
    const stored = await this.store.registry.getTask(taskId);
    if (stored) this.tasks.set(taskId, stored);
    return stored;
  }

  list(appId?: string): Task[] {
    return [...this.tasks.values()].filter((task) => !appId || task.appId === appId);
  }
}
