import type { Logger } from "./domain/logger.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * JSON lines on stderr, one object per entry: `{"time","level","msg",...fields}`.
 * The level comes from NENC_LOG_LEVEL (default info).
 */
export function createJsonLogger(level: LogLevel = parseLevel(process.env.NENC_LOG_LEVEL)): Logger {
  const write =
    (entryLevel: Exclude<LogLevel, "silent">) => (msg: string, fields?: Record<string, unknown>) => {
      if (RANK[entryLevel] < RANK[level]) return;
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, msg, ...fields })}\n`,
      );
    };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

export function parseLevel(value: string | undefined): LogLevel {
  return value && value in RANK ? (value as LogLevel) : "info";
}
