import type { Logger } from "../domain/logger.js";
import type { EngineTracing } from "../engine/tracing.js";

/** Tracing, started: what the engine records spans through, and the flush at exit. */
export interface StartedTracing {
  tracing: EngineTracing;
  /** Exports what is buffered, then stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * True when the standard environment asks for trace export: an OTLP endpoint, or
 * OTEL_TRACES_EXPORTER other than "none" (and OTEL_SDK_DISABLED is not "true").
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || exporter);
}

/**
 * Starts OpenTelemetry's Node SDK for traces as the standard environment configures
 * it (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: grpc, http/protobuf
 * or http/json, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, ...); undefined when the
 * environment does not ask for traces (see tracingConfigured). Loaded only then, so
 * a replica without tracing neither loads nor pays for the SDK (docs/design.md §5).
 * nenc exports traces only: its metrics are Prometheus (/metrics), its logs JSON lines.
 */
export async function startTracing(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartedTracing | undefined> {
  if (!tracingConfigured(env)) return undefined;
  const [{ NodeSDK }, { trace }, { SpanTracing }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/api"),
    import("./tracing.js"),
  ]);
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: "nenc" }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  logger.info("tracing: exporting spans as OTEL_* configures", {
    endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "(default)",
    protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf",
  });
  return {
    tracing: new SpanTracing(trace.getTracer("nenc")),
    shutdown: () => sdk.shutdown(),
  };
}
