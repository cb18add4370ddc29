import type { Evaluation } from "../domain/evaluation.js";
import type { Assignment } from "../domain/invocation.js";

/**
 * What the engine reports as it works, for metrics (docs/design.md §5). Each call
 * is made once the store has taken the change it reports, is synchronous and cheap,
 * and must not throw: the engine does not wait for an observer.
 */
export interface EngineTelemetry {
  /** Evaluation records the store took (each trigger's history). */
  evaluationsRecorded(records: readonly Evaluation[]): void;
  /** A trigger created an invocation `latencyMs` after the occurrence that fired it. */
  invocationTriggered(triggerId: string, latencyMs: number): void;
  /** An assignment went to a worker (`now`: when, by the engine's clock). */
  assignmentDelivered(assignment: Assignment, now: number): void;
  /** A cron slot was claimed (fired, or logged for its trigger) `lagMs` after its scheduled time. */
  cronSlotClaimed(lagMs: number): void;
  /** An invocation reached a final status. */
  invocationFinished(taskId: string, status: "SUCCESS" | "FAILED"): void;
}

/** The default: reports go nowhere. */
export const NO_TELEMETRY: EngineTelemetry = {
  evaluationsRecorded() {},
  invocationTriggered() {},
  assignmentDelivered() {},
  cronSlotClaimed() {},
  invocationFinished() {},
};
