import type { Principal } from "../auth/scopes.js";
import type { Logger } from "../domain/logger.js";

/**
 * The audit trail (docs/design.md §6): one structured log line per refused call and
 * per change an operator answers for (trigger create, delete, pause, resume; app
 * registration; event replay), and the first call with each token since start (which
 * tokens are in use, say during a rotation), each with `audit` naming what happened and
 * `token` the caller's token by name. A secret is never logged.
 */
export class Audit {
  constructor(private readonly logger: Logger) {}

  /** A call refused: UNAUTHENTICATED or PERMISSION_DENIED. */
  denied(call: string, code: "UNAUTHENTICATED" | "PERMISSION_DENIED", why: string, token?: string): void {
    this.logger.warn("audit: call denied", {
      audit: "denied",
      call,
      code,
      why,
      ...(token === undefined ? {} : { token }),
    });
  }

  /** A change made by `caller` (undefined when auth is off: then the line says so). */
  changed(action: string, caller: Principal | undefined, fields: Record<string, unknown>): void {
    this.logger.info(`audit: ${action}`, { audit: action, token: caller?.name ?? "(auth off)", ...fields });
  }
}
