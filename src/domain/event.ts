import type { JsonObject } from "./json.js";

/** A custom event, durable once EmitEvent answered. */
export interface StoredEvent {
  id: string;
  code: string;
  payload: JsonObject;
  emittedAt: number;
  idempotencyKey?: string;
  /** Invocations that triggers started because of this event. */
  invocationIds: string[];
}
