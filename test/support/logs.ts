import type { Logger } from "../../src/domain/logger.js";

/** One line a RecordingLogger kept. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line, for tests that assert what the orchestrator logged. */
export interface RecordingLogger extends Logger {
  readonly lines: LogLine[];
  /** The lines of `level` whose fields include every entry of `fields`. */
  find(level: LogLine["level"], fields: Record<string, unknown>): LogLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const log =
    (level: LogLine["level"]) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  return {
    lines,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    find: (level, fields) =>
      lines.filter(
        (line) =>
          line.level === level && Object.entries(fields).every(([key, value]) => line.fields[key] === value),
      ),
  };
}
