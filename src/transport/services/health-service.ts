import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponse_ServingStatus,
} from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";

/** Whether the orchestrator serves, and word of every change. */
export interface ServingState {
  readonly serving: boolean;
  /** Aborted once the orchestrator has stopped. */
  readonly stoppedSignal: AbortSignal;
  onServingChange(listener: () => void): () => void;
}

/**
 * grpc.health.v1.Health for "" (the whole server) and each nenc service: SERVING
 * while the orchestrator runs, NOT_SERVING while it drains and while it recovers
 * from a store that lost its data (until the registry is back); unknown service names
 * are NOT_FOUND as the protocol says. Watch streams each change as it happens and
 * ends once the orchestrator has stopped (so the port can close gracefully).
 */
export function createHealthService(
  services: readonly string[],
  state: ServingState,
): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services]);
  const status = () =>
    state.serving ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING;
  return {
    check(request) {
      if (!known.has(request.service))
        throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      return { status: status() };
    },
    list() {
      return { statuses: Object.fromEntries([...known].map((name) => [name, { status: status() }])) };
    },
    async *watch(request, context) {
      if (!known.has(request.service)) {
        yield { status: HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN };
        return;
      }
      let last = status();
      yield { status: last };
      const until = AbortSignal.any([context.signal, state.stoppedSignal]);
      while (!until.aborted) {
        await changeOrAbort(state, until);
        if (!context.signal.aborted && status() !== last) {
          last = status();
          yield { status: last };
        }
      }
    },
  };
}

function changeOrAbort(state: ServingState, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const unsubscribe = state.onServingChange(done);
    signal.addEventListener("abort", done);
  });
}
