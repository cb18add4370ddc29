import {
  type Attributes,
  type Link,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { isTraceparent, type Traceparent } from "../domain/trace.js";
import type { EngineTracing, FiringTrace } from "../engine/tracing.js";

/**
 * EngineTracing that records a span for each moment a trace passes through the
 * orchestrator (docs/design.md §5), following OpenTelemetry's messaging conventions:
 * a producer span when a client invokes a task or emits an event (child of the
 * caller's span), one when a trigger fires (child of the occurrence that completed
 * it, with a link to every participant of an AND join), and a root span for a cron
 * slot. Each span ends at once (it marks the moment); its context is what the new
 * invocation or event carries, so a worker's span of the attempt is its child.
 */
export class SpanTracing implements EngineTracing {
  constructor(private readonly tracer: Tracer) {}

  invoked(taskId: string, caller: Traceparent | undefined): Traceparent {
    return this.span(`invoke ${taskId}`, caller, [], {
      "messaging.system": "nenc",
      "messaging.operation.type": "create",
      "messaging.destination.name": taskId,
    });
  }

  emitted(code: string, caller: Traceparent | undefined): Traceparent {
    return this.span(`emit ${code}`, caller, [], {
      "messaging.system": "nenc",
      "messaging.operation.type": "send",
      "nenc.event.code": code,
    });
  }

  fired(firing: FiringTrace): Traceparent {
    const links: Link[] =
      firing.participants.length > 1
        ? firing.participants.flatMap((participant) => {
            const context = spanContextOf(participant);
            return context ? [{ context }] : [];
          })
        : [];
    return this.span(`trigger ${firing.triggerId}`, firing.parent, links, {
      "messaging.system": "nenc",
      "messaging.operation.type": "create",
      "messaging.destination.name": firing.targetTaskId,
      "nenc.trigger.id": firing.triggerId,
    });
  }

  cronSlot(triggerId: string, targetTaskId: string, scheduledTime: number): Traceparent {
    return this.span(`cron ${triggerId}`, undefined, [], {
      "messaging.system": "nenc",
      "messaging.operation.type": "create",
      "messaging.destination.name": targetTaskId,
      "nenc.trigger.id": triggerId,
      "nenc.cron.scheduled_time": new Date(scheduledTime).toISOString(),
    });
  }

  /** Records a span that ends at once; answers its context as a traceparent. */
  private span(
    name: string,
    parent: Traceparent | undefined,
    links: Link[],
    attributes: Attributes,
  ): Traceparent {
    const parentContext = spanContextOf(parent);
    const context = parentContext ? trace.setSpanContext(ROOT_CONTEXT, parentContext) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(name, { kind: SpanKind.PRODUCER, links, attributes }, context);
    span.end();
    return traceparentOf(span.spanContext());
  }
}

/** A traceparent as a remote span context; undefined for none (or an invalid one). */
export function spanContextOf(traceparent: Traceparent | undefined): SpanContext | undefined {
  if (!traceparent || !isTraceparent(traceparent)) return undefined;
  const [, traceId, spanId, flags] = traceparent.split("-") as [string, string, string, string];
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
}

/** A span context as a version-00 traceparent. */
export function traceparentOf(context: SpanContext): Traceparent {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}
