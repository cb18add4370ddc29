import type { OrchestratorOptions } from "../engine/orchestrator.js";
import type { RetentionOptions } from "../store/retention.js";
import type { TokenLimitOptions } from "../transport/token-limits.js";

/**
 * Tuning knobs read from the environment (all optional; defaults in the README):
 * NENC_LEASE_MS, NENC_HEARTBEAT_MS, NENC_DRAIN_TIMEOUT_MS, NENC_MAX_PAYLOAD_BYTES,
 * NENC_CRON_GRACE_MS, NENC_CRON_TAKEOVER_MS, NENC_RECLAIM_AFTER_MS,
 * NENC_MAX_OCCURRENCE_DELIVERIES, NENC_MAX_WORKER_LOSSES, NENC_RETENTION_INVOCATIONS, NENC_RETENTION_EVENTS,
 * NENC_RETENTION_EVENT_MS, NENC_RETENTION_EVALUATIONS, NENC_RETENTION_MARKER_MS,
 * NENC_CEL_MAX_STEPS, NENC_MAX_RESPONSE_BYTES, NENC_MAX_WATCH_STREAMS,
 * NENC_MAX_WATCH_STREAMS_PER_CONNECTION, NENC_MAX_SESSION_WAITS, NENC_MAX_SESSION_WAITS_PER_CONNECTION,
 * NENC_AWAIT_REGISTRATION_MS, NENC_METRICS_MAX_LABEL_VALUES, NENC_MAX_STREAMS_PER_TOKEN,
 * NENC_RATE_PER_TOKEN, NENC_RATE_BURST_PER_TOKEN.
 */
export interface EnvironmentConfig {
  orchestrator: Partial<OrchestratorOptions>;
  retention: Partial<RetentionOptions>;
  reclaimAfterMs?: number;
  /** Distinct task, trigger or app ids each labelled metric keeps (NENC_METRICS_MAX_LABEL_VALUES). */
  maxLabelValues?: number;
  /** Per-token limits, with --auth-tokens. */
  tokenLimits: Partial<TokenLimitOptions>;
}

/** The numeric orchestrator options an environment variable sets. */
type OrchestratorNumber =
  | "leaseMs"
  | "heartbeatIntervalMs"
  | "drainTimeoutMs"
  | "maxPayloadBytes"
  | "cronGraceMs"
  | "cronTakeoverMs"
  | "maxOccurrenceDeliveries"
  | "maxWorkerLosses"
  | "celMaxSteps"
  | "maxResponseBytes"
  | "maxWatchStreams"
  | "maxWatchStreamsPerConnection"
  | "maxSessionWaits"
  | "maxSessionWaitsPerConnection"
  | "awaitRegistrationMs";

/** Option → the environment variable that sets it. */
type Settings<K extends string> = ReadonlyArray<readonly [K, string]>;

const ORCHESTRATOR_SETTINGS: Settings<OrchestratorNumber> = [
  ["leaseMs", "NENC_LEASE_MS"],
  ["heartbeatIntervalMs", "NENC_HEARTBEAT_MS"],
  ["drainTimeoutMs", "NENC_DRAIN_TIMEOUT_MS"],
  ["maxPayloadBytes", "NENC_MAX_PAYLOAD_BYTES"],
  ["cronGraceMs", "NENC_CRON_GRACE_MS"],
  ["cronTakeoverMs", "NENC_CRON_TAKEOVER_MS"],
  ["maxOccurrenceDeliveries", "NENC_MAX_OCCURRENCE_DELIVERIES"],
  ["maxWorkerLosses", "NENC_MAX_WORKER_LOSSES"],
  ["celMaxSteps", "NENC_CEL_MAX_STEPS"],
  ["maxResponseBytes", "NENC_MAX_RESPONSE_BYTES"],
  ["maxWatchStreams", "NENC_MAX_WATCH_STREAMS"],
  ["maxWatchStreamsPerConnection", "NENC_MAX_WATCH_STREAMS_PER_CONNECTION"],
  ["maxSessionWaits", "NENC_MAX_SESSION_WAITS"],
  ["maxSessionWaitsPerConnection", "NENC_MAX_SESSION_WAITS_PER_CONNECTION"],
  ["awaitRegistrationMs", "NENC_AWAIT_REGISTRATION_MS"],
];

const TOKEN_LIMIT_SETTINGS: Settings<keyof TokenLimitOptions> = [
  ["maxStreamsPerToken", "NENC_MAX_STREAMS_PER_TOKEN"],
  ["ratePerToken", "NENC_RATE_PER_TOKEN"],
  ["burstPerToken", "NENC_RATE_BURST_PER_TOKEN"],
];

const RETENTION_SETTINGS: Settings<keyof RetentionOptions> = [
  ["maxFinishedInvocations", "NENC_RETENTION_INVOCATIONS"],
  ["maxEvents", "NENC_RETENTION_EVENTS"],
  ["eventRetentionMs", "NENC_RETENTION_EVENT_MS"],
  ["evaluationsPerTrigger", "NENC_RETENTION_EVALUATIONS"],
  ["markerRetentionMs", "NENC_RETENTION_MARKER_MS"],
];

/**
 * Reads the tuning knobs of EnvironmentConfig from `env`; unset or empty variables
 * are left out (the defaults apply). Throws naming the variable when one is not a
 * non-negative number, so a typo fails at start rather than running with a default.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const reclaimAfterMs = readNumber(env, "NENC_RECLAIM_AFTER_MS");
  const maxLabelValues = readNumber(env, "NENC_METRICS_MAX_LABEL_VALUES");
  return {
    orchestrator: readNumbers(env, ORCHESTRATOR_SETTINGS),
    retention: readNumbers(env, RETENTION_SETTINGS),
    tokenLimits: readNumbers(env, TOKEN_LIMIT_SETTINGS),
    ...(reclaimAfterMs === undefined ? {} : { reclaimAfterMs }),
    ...(maxLabelValues === undefined ? {} : { maxLabelValues }),
  };
}

/** The options of `settings` whose variables are set in `env`. */
function readNumbers<K extends string>(
  env: NodeJS.ProcessEnv,
  settings: Settings<K>,
): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [key, name] of settings) {
    const value = readNumber(env, name);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The variable `name` as a non-negative number, undefined when unset or empty. */
function readNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: "${raw}" is not a non-negative number`);
  return value;
}
