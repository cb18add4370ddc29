import type { NencClients } from "./client.js";
import type { TriggerSpec } from "./trigger-builder.js";

/** What runtime triggers (and their dry runs) need of their app. */
export interface TriggerHost {
  readonly appId: string;
  readonly clients: NencClients;
  /** Adds a trigger's functions to the app, so its workers can evaluate them. */
  registerFunctions(spec: TriggerSpec, where: string): void;
}
