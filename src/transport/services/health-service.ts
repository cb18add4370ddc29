import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";

/** The services health answers for: "" (the whole server) and each nenc service. */
export type ServingState = () => boolean;

/**
 * grpc.health.v1.Health: SERVING while the orchestrator runs, NOT_SERVING while it
 * drains; unknown service names are NOT_FOUND as the protocol says.
 */
export function createHealthService(
  services: readonly string[],
  serving: ServingState,
): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services]);
  const status = () =>
    serving() ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING;
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
      while (!context.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (status() !== last) {
          last = status();
          yield { status: last };
        }
      }
    },
  };
}
