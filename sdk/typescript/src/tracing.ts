/**
 * OpenTelemetry, when the application has it: the SDK sends the caller's trace
 * context with every invoke and event, and runs each attempt in a span that is a
 * child of the invocation's context. Through `@opentelemetry/api` only (an optional
 * peer dependency): the application installs and configures the OpenTelemetry SDK
 * and exporter it wants; without `@opentelemetry/api` this module does nothing.
 *
 * The API's types are not imported, so that this package's declarations compile
 * where it is absent: OtelApi names the little that is used.
 */

interface SpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

interface Span {
  spanContext(): SpanContext;
  setAttribute(key: string, value: string | number): unknown;
  recordException(exception: unknown): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

interface Tracer {
  startActiveSpan<T>(
    name: string,
    options: { kind: number; attributes: Record<string, string | number> },
    context: unknown,
    fn: (span: Span) => T,
  ): T;
}

interface TracerProvider {
  getTracer(name: string): Tracer;
  /** ProxyTracerProvider's: the registered provider, or the no-op one when none is. */
  getDelegate?(): unknown;
}

interface OtelApi {
  ROOT_CONTEXT: unknown;
  ProxyTracerProvider: new () => { getDelegate(): unknown };
  SpanKind: { CONSUMER: number };
  SpanStatusCode: { ERROR: number };
  context: { active(): unknown };
  trace: {
    getSpan(context: unknown): Span | undefined;
    setSpanContext(context: unknown, spanContext: SpanContext): unknown;
    getTracerProvider(): TracerProvider;
  };
  isSpanContextValid(spanContext: SpanContext): boolean;
}

let loading: Promise<OtelApi | undefined> | undefined;
/** The API once loaded (see otelApi): read without waiting on the invoke path. */
let loaded: OtelApi | undefined;

/** `@opentelemetry/api`, loaded once; undefined when the application does not have it. */
export function otelApi(): Promise<OtelApi | undefined> {
  loading ??= import("@opentelemetry/api" as string).then(
    (module: { default?: OtelApi } & OtelApi) => {
      loaded = module.trace ? module : module.default;
      return loaded;
    },
    () => undefined,
  );
  return loading;
}

/**
 * The active span's context as a W3C traceparent ("" when there is none, or no
 * OpenTelemetry). Synchronous: it uses the API once loaded (an app starts loading
 * it when it is created, see Nenc), so an invoke never waits for it.
 */
export function currentTraceparent(): string {
  const api = loaded;
  const context = api?.trace.getSpan(api.context.active())?.spanContext();
  if (!api || !context || !api.isSpanContextValid(context)) return "";
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** What identifies an attempt on its span. */
export interface AttemptTrace {
  taskId: string;
  invocationId: string;
  attempt: number;
  /** The invocation's trace context ("" none: the span starts a trace). */
  traceparent: string;
}

/**
 * Runs one attempt in a consumer span named after its task, a child of the
 * invocation's trace context, active while the task runs (so what the task
 * invokes or emits continues the trace). A failure is recorded on the span.
 * Without OpenTelemetry (`api` undefined), just runs it.
 */
export function inAttemptSpan<T>(
  api: OtelApi | undefined,
  attempt: AttemptTrace,
  run: () => Promise<T>,
): Promise<T> {
  const tracer = api && tracerOf(api);
  if (!api || !tracer) return run();
  const parent = parseTraceparent(attempt.traceparent);
  const context = parent ? api.trace.setSpanContext(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT;
  const attributes = {
    "messaging.system": "nenc",
    "messaging.operation.type": "process",
    "messaging.destination.name": attempt.taskId,
    "nenc.invocation.id": attempt.invocationId,
    "nenc.attempt": attempt.attempt,
  };
  return tracer.startActiveSpan(
    attempt.taskId,
    { kind: api.SpanKind.CONSUMER, attributes },
    context,
    async (span) => {
      try {
        return await run();
      } catch (error) {
        span.recordException(error);
        span.setStatus({
          code: api.SpanStatusCode.ERROR,
          message: String((error as Error)?.message ?? error),
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

let noopProvider: unknown;
let cached: { provider: unknown; tracer: Tracer } | undefined;

/**
 * The SDK's tracer from the registered provider; undefined while none is registered
 * (the API's no-op): then an attempt costs no span at all. Checked per attempt, so
 * a provider registered after the worker started is used from then on.
 */
function tracerOf(api: OtelApi): Tracer | undefined {
  const global = api.trace.getTracerProvider();
  const provider = global.getDelegate?.() ?? global;
  noopProvider ??= new api.ProxyTracerProvider().getDelegate();
  if (provider === noopProvider) return undefined;
  if (cached?.provider !== provider) cached = { provider, tracer: global.getTracer("@nenc/sdk") };
  return cached.tracer;
}

function parseTraceparent(traceparent: string): SpanContext | undefined {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent);
  if (!match) return undefined;
  return {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16),
    isRemote: true,
  };
}
