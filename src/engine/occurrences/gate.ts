/**
 * Open or closed; a loop waits at it while it is closed. The occurrence and
 * deferred-evaluation readers wait at one while the store's data is being
 * recovered (see RegistryRecovery): what they would read is left in the store
 * until the triggers it must be evaluated against are back.
 */
export class Gate {
  private waiters: Array<() => void> = [];
  private shut = false;

  get closed(): boolean {
    return this.shut;
  }

  close(): void {
    this.shut = true;
  }

  open(): void {
    this.shut = false;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves at once while open; otherwise once opened or once `signal` aborts. */
  async passed(signal: AbortSignal): Promise<void> {
    if (!this.shut || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
