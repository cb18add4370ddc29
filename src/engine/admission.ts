import { NencError } from "../domain/errors.js";

/**
 * The gate for new work: invocations, events, runtime triggers and replays. Open
 * while the orchestrator runs; closed once it drains, because what it accepted
 * then could be lost at exit (the memory store) or wait for a replica that is
 * going away, so callers are told to go elsewhere instead (UNAVAILABLE).
 */
export class Admission {
  private open = true;

  /** From now on require() throws: the orchestrator drains. */
  close(): void {
    this.open = false;
  }

  /** Throws UNAVAILABLE once closed; call it before accepting new work. */
  require(): void {
    if (!this.open) {
      throw new NencError(
        "UNAVAILABLE",
        "the orchestrator is draining (shutting down) and takes no new work; retry on another replica or after its restart",
      );
    }
  }
}
