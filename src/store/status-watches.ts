import type { InvocationStatus } from "../domain/invocation.js";
import type { StatusWatch } from "./store.js";

/**
 * The status watches engines added to a store (see Store.watchStatuses): a
 * transition is logged as an occurrence when any of them watches it. Usually one
 * engine per store; tests and embedded setups may run more on one memory store.
 */
export class StatusWatches implements StatusWatch {
  private readonly registered = new Set<StatusWatch>();

  /** Adds a watch; returns the function that removes it. */
  add(watch: StatusWatch): () => void {
    this.registered.add(watch);
    return () => this.registered.delete(watch);
  }

  watches(taskId: string, status: InvocationStatus): boolean {
    for (const watch of this.registered) if (watch.watches(taskId, status)) return true;
    return false;
  }
}
