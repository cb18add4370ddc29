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

/**
 * One record of a trigger's history: which occurrence it evaluated, when, and what
 * it decided. `ExplainTrigger` answers with these (docs/design.md §3.13).
 */
export interface Evaluation {
  triggerId: string;
  /** When the evaluation ended (epoch ms). */
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
