import type { Traceparent } from "../domain/trace.js";

/** A firing, as tracing sees it: which trigger, and the trace contexts of what fired it. */
export interface FiringTrace {
  triggerId: string;
  targetTaskId: string;
  /** The occurrence that completed the firing: its context is the parent. */
  parent: Traceparent | undefined;
  /** Every occurrence that took part (the parent's included): more than one for an AND join. */
  participants: ReadonlyArray<Traceparent | undefined>;
}

/**
 * Decides the trace context each new invocation and event carries (docs/design.md
 * §5): what the worker's span of an attempt becomes a child of, and what the
 * invocations an occurrence fires continue. An implementation may record spans of
 * its own for these moments and answer their contexts.
 */
export interface EngineTracing {
  /** A client invokes a task; `caller` is its traceparent, if it sent one. */
  invoked(taskId: string, caller: Traceparent | undefined): Traceparent | undefined;
  /** A client emits an event. */
  emitted(code: string, caller: Traceparent | undefined): Traceparent | undefined;
  /** A trigger fires on occurrences. */
  fired(firing: FiringTrace): Traceparent | undefined;
  /** A cron slot fires its trigger: a trace of its own starts there. */
  cronSlot(triggerId: string, targetTaskId: string, scheduledTime: number): Traceparent | undefined;
}

/**
 * Without a tracer: contexts are handed on as they came (a caller's to its
 * invocation, a completing occurrence's to what it fires); a cron slot has none.
 */
export const PROPAGATION_ONLY: EngineTracing = {
  invoked: (_taskId, caller) => caller,
  emitted: (_code, caller) => caller,
  fired: (firing) => firing.parent,
  cronSlot: () => undefined,
};
