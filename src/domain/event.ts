import type { JsonObject } from "./json.js";
import type { Traceparent } from "./trace.js";

/** A custom event, durable once EmitEvent answered. */
export interface StoredEvent {
  id: string;
  code: string;
  payload: JsonObject;
  /** When it was stored (epoch ms). */
  emittedAt: number;
  /** A repeat emission with this key answers this event. */
  idempotencyKey?: string;
  /** Invocations that triggers started because of this event. */
  invocationIds: string[];
  /** The emitter's trace context: invocations the event fires continue it. */
  traceparent?: Traceparent;
}
