import type {
  CronContext as WireCronContext,
  EventContext as WireEventContext,
  ExceptionContext as WireExceptionContext,
  ResultContext as WireResultContext,
  StatusContext as WireStatusContext,
} from "@nenc/protocol/context";
import type { JsonObject } from "./json.js";

/** An invocation reaching a status, as a provider function receives it (times as Date). */
export type StatusContext = WireStatusContext<Date>;
/** A SUCCESS with its result, as a provider function receives it. */
export type ResultContext = WireResultContext<Date>;
/** A final failure with its error, as a provider function receives it. */
export type ExceptionContext = WireExceptionContext<Date>;
/** An emitted event, as a provider function receives it. */
export type EventContext = WireEventContext<Date>;
/** A cron slot, as a provider function receives it. */
export type CronContext = WireCronContext<Date>;

/** Any context; `kind` tells which. withArgsFromContext and a provider's second argument see these. */
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
