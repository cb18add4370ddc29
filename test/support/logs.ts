import type { Logger } from "../../src/domain/logger.js";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

/**
 * A logger that keeps what it is told, so a test can wait for the orchestrator to say
 * it handled something (e.g. ignored a stale result) instead of sleeping and hoping.
 */
export function recordingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry["level"]) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void entries.push({ level, message, fields });
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, entries };
}
