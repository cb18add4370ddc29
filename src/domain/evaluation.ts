/** What one evaluation of a trigger against one occurrence decided (docs/design.md §3.13). */
export type EvaluationOutcome =
  | "fired"
  | "waiting"
  | "filtered_out"
  | "deduplicated"
  | "expired"
  | "errored"
  | "skipped"
  | "deferred";

export interface Evaluation {
  triggerId: string;
  at: number;
  occurrenceId: string;
  outcome: EvaluationOutcome;
  /** fired, deduplicated */
  invocationId?: string;
  /** waiting: condition indexes that still miss */
  missingConditions?: number[];
  /** filtered_out, errored: the condition concerned */
  conditionIndex?: number;
  /** A sentence for people. */
  detail: string;
}
