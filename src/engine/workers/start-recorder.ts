import type { Logger } from "../../domain/logger.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../clock.js";

/** What {@link StartRecorder} needs: one dependencies object. */
export interface StartRecorderDeps {
  workerId: string;
  store: Pick<Store, "work">;
  clock: Clock;
  /** The process clock (see Clock): the delay is about store steps, not trigger time. */
  processClock: Clock;
  logger: Logger;
  delayMs: number;
}

/**
 * Records when a worker started an assignment (PENDING → RUNNING). A quick task's
 * start and end share one store step: the start is written on its own only if the
 * result has not arrived within `delayMs`; otherwise the step that ends the attempt
 * records it first (see WorkStore.finishAttempt's `startedAt`). One per worker stream;
 * a start is written only for an assignment `workerId` holds.
 */
export class StartRecorder {
  private readonly unrecorded = new Map<string, { at: number; cancel: () => void }>();
  private readonly writes = new Map<string, Promise<void>>();

  private readonly workerId: string;
  private readonly store: Pick<Store, "work">;
  private readonly clock: Clock;
  /** The process clock (see Clock): the delay is about store steps, not trigger time. */
  private readonly processClock: Clock;
  private readonly logger: Logger;
  private readonly delayMs: number;

  constructor(deps: StartRecorderDeps) {
    ({
      workerId: this.workerId,
      store: this.store,
      clock: this.clock,
      processClock: this.processClock,
      logger: this.logger,
      delayMs: this.delayMs,
    } = deps);
  }

  started(assignmentId: string): void {
    const at = this.clock.now();
    const cancel = this.processClock.schedule(this.delayMs, () => {
      this.unrecorded.delete(assignmentId);
      const write = this.store.work
        .markStarted(assignmentId, this.workerId, at)
        .then(
          (applied) => {
            if (!applied)
              this.logger.warn("ignored a start of an assignment the worker does not hold", {
                workerId: this.workerId,
                assignmentId,
              });
          },
          (error: unknown) =>
            this.logger.error("recording a start failed", { assignmentId, error: String(error) }),
        )
        .finally(() => this.writes.delete(assignmentId));
      this.writes.set(assignmentId, write);
    });
    this.unrecorded.set(assignmentId, { at, cancel });
  }

  /** The start arrived with the attempt's end: recorded with it, no timer needed. */
  startedWithEnd(assignmentId: string): void {
    this.unrecorded.set(assignmentId, { at: this.clock.now(), cancel: noop });
  }

  /**
   * Before the attempt ends: the start time still to record with the result, or
   * undefined once a start written on its own has landed (or there was none).
   */
  async take(assignmentId: string): Promise<number | undefined> {
    const start = this.unrecorded.get(assignmentId);
    if (start) {
      start.cancel();
      this.unrecorded.delete(assignmentId);
      return start.at;
    }
    await this.writes.get(assignmentId);
    return undefined;
  }

  /** The worker is gone: its assignments are released, nothing to start any more. */
  clear(): void {
    for (const start of this.unrecorded.values()) start.cancel();
    this.unrecorded.clear();
  }
}

function noop(): void {}
