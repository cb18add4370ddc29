import type {
  CronContext as WireCronContext,
  EventContext as WireEventContext,
  ExceptionContext as WireExceptionContext,
  ResultContext as WireResultContext,
  StatusContext as WireStatusContext,
} from "@nenc/protocol/context";
import type { JsonObject } from "./json.js";

/** A status of a task's invocation, as a provider function receives it. */
export type StatusContext = WireStatusContext<Date>;
/** A SUCCESS with its result. */
export type ResultContext = WireResultContext<Date>;
/** A final failure with its error. */
export type ExceptionContext = WireExceptionContext<Date>;
/** An emitted event. */
export type EventContext = WireEventContext<Date>;
/** A cron slot. */
export type CronContext = WireCronContext<Date>;

/** What a provider function receives of one occurrence. */
export type TriggerContext = StatusContext | ResultContext | ExceptionContext | EventContext | CronContext;

/**
 * An argument provider function: receives the context it asked for (the one of the
 * occurrence that fired the trigger for withArgsFromContext) and every context that
 * took part (a composite trigger's provider sees them all); returns named arguments.
 */
export type ProviderFunction<C extends TriggerContext = TriggerContext> = (
  context: C,
  contexts: TriggerContext[],
) => JsonObject | Promise<JsonObject>;
