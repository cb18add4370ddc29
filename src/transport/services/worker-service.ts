import { create } from "@bufbuild/protobuf";
import type { Value } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { NencError } from "../../domain/errors.js";
import type { TaskError } from "../../domain/invocation.js";
import type { JsonValue } from "../../domain/json.js";
import type { Logger } from "../../domain/logger.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import type { WorkerConnection } from "../../engine/worker-link.js";
import type { WorkerChannel } from "../../engine/worker-session.js";
import {
  type ConnectRequest,
  type ConnectResponse,
  ConnectResponseSchema,
  type TaskCompleted,
  type WorkerService,
} from "../../gen/nenc/v1/worker_service_pb.js";
import { AsyncQueue } from "../async-queue.js";
import {
  abortReasonToProto,
  assignmentToProto,
  evaluationRequestToProto,
  taskErrorFromProto,
} from "../convert.js";
import { valueToJson } from "../convert-trigger.js";
import { toConnectError } from "../errors.js";

/**
 * The worker stream. The first message must be hello; after that each message is
 * applied in order. Bad messages are logged and skipped, never fatal to anything
 * but (for a protocol violation) the stream that sent them.
 */
export function createWorkerService(
  orchestrator: Orchestrator,
  logger: Logger,
): ServiceImpl<typeof WorkerService> {
  return {
    async *connect(requests, context) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) return;
      const opening = first.value.message;
      if (opening.case !== "hello") {
        throw new ConnectError(
          `the first message on the worker stream must be hello, got ${opening.case ?? "an empty message"}`,
          Code.FailedPrecondition,
        );
      }
      const hello = opening.value;
      const outbox = new AsyncQueue<ConnectResponse>();
      const channel: WorkerChannel = {
        welcome: (terms) =>
          outbox.push(
            create(ConnectResponseSchema, {
              message: {
                case: "welcome",
                value: {
                  workerId: hello.workerId,
                  heartbeatIntervalMs: BigInt(terms.heartbeatIntervalMs),
                  leaseMs: BigInt(terms.leaseMs),
                  maxPayloadBytes: BigInt(terms.maxPayloadBytes),
                  maxJsonDepth: terms.maxJsonDepth,
                },
              },
            }),
          ),
        assign: (assignment) =>
          outbox.push(
            create(ConnectResponseSchema, {
              message: { case: "assignment", value: assignmentToProto(assignment) },
            }),
          ),
        evaluate: (request) =>
          outbox.push(
            create(ConnectResponseSchema, {
              message: { case: "evaluate", value: evaluationRequestToProto(request) },
            }),
          ),
        abort: (assignmentId, reason, message) =>
          outbox.push(
            create(ConnectResponseSchema, {
              message: {
                case: "abort",
                value: { assignmentId, reason: abortReasonToProto(reason), message },
              },
            }),
          ),
        close: (error) => outbox.end(error ? toConnectError(error, logger) : undefined),
      };
      const connection = await orchestrator.workers.connect(
        {
          appId: hello.appId,
          workerId: hello.workerId,
          concurrency: hello.concurrency,
          taskIds: [...hello.taskIds],
          functions: [...hello.functions],
          sdk: hello.sdk,
          heldAssignmentIds: [...hello.heldAssignmentIds],
        },
        channel,
      );

      let disconnected: Promise<void> | undefined;
      const disconnect = () => {
        disconnected ??= connection.disconnected().catch((error: unknown) => {
          logger.error("releasing a worker's assignments failed", {
            workerId: hello.workerId,
            error: String(error),
          });
        });
        return disconnected;
      };
      const onAbort = () => outbox.end();
      context.signal.addEventListener("abort", onAbort);
      // Messages are applied concurrently (a store round trip per message would cap a
      // worker's throughput), except that those about one assignment keep their order.
      const pending = new Set<Promise<void>>();
      const lastOf = new Map<string, Promise<void>>();
      const fail = (error: unknown) =>
        outbox.end(context.signal.aborted ? undefined : toConnectError(error, logger));
      const reading = (async () => {
        try {
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
            const request = next.value;
            const key = assignmentOf(request);
            const previous = (key && lastOf.get(key)) || Promise.resolve();
            const applied: Promise<void> = previous
              .then(() => apply(connection, request, logger))
              .catch(fail)
              .finally(() => {
                pending.delete(applied);
                if (key && lastOf.get(key) === applied) lastOf.delete(key);
              });
            pending.add(applied);
            if (key) lastOf.set(key, applied);
          }
          await Promise.all(pending);
          outbox.end();
        } catch (error) {
          fail(error);
        }
      })();
      try {
        yield* outbox;
      } finally {
        context.signal.removeEventListener("abort", onAbort);
        await disconnect();
        void reading;
      }
    },
  };
}

/** A result that cannot even be read as JSON fails its attempt; the stream carries on. */
async function completed(connection: WorkerConnection, message: TaskCompleted): Promise<void> {
  let result: JsonValue;
  try {
    result = valueToJson(message.result, "result");
  } catch (error) {
    if (error instanceof NencError) return connection.notAccepted(message.assignmentId, error.message);
    throw error;
  }
  return connection.completed(message.assignmentId, result);
}

/** A function's value, or why it cannot be read: then that evaluation fails, nothing else. */
function functionValue(value: Value | undefined): { value: JsonValue } | { error: TaskError } {
  try {
    return { value: valueToJson(value, "the function's value") };
  } catch (error) {
    if (!(error instanceof NencError)) throw error;
    return {
      error: { type: "ValueNotAccepted", message: error.message, chain: ["ValueNotAccepted"], stack: "" },
    };
  }
}

/** The assignment a message is about (its messages are applied in order), if any. */
function assignmentOf(request: ConnectRequest): string | undefined {
  const message = request.message;
  return message.case === "started" || message.case === "completed" || message.case === "failed"
    ? message.value.assignmentId
    : undefined;
}

async function apply(connection: WorkerConnection, request: ConnectRequest, logger: Logger): Promise<void> {
  const message = request.message;
  const workerId = connection.session.workerId;
  try {
    await connection.touch();
    switch (message.case) {
      case "started":
        return await connection.started(message.value.assignmentId);
      case "completed":
        return await completed(connection, message.value);
      case "failed":
        return await connection.failed(message.value.assignmentId, taskErrorFromProto(message.value.error));
      case "heartbeat":
        return await connection.heartbeat();
      case "evaluated":
        return connection.evaluated(
          message.value.requestId,
          message.value.error
            ? { error: taskErrorFromProto(message.value.error) }
            : functionValue(message.value.value),
        );
      case "functionsAnnounced":
        return connection.announce(message.value.functions);
      case "drain":
        return connection.drain();
      case "hello":
        logger.warn("ignored a second hello on a worker stream", { workerId });
        return;
      default:
        logger.warn("ignored an empty worker message", { workerId });
        return;
    }
  } catch (error) {
    // Bad input (a result too large, a malformed value) is the sender's problem, not the stream's.
    if (error instanceof NencError) {
      logger.warn("ignored a worker message", { workerId, case: message.case, error: error.message });
      return;
    }
    throw error;
  }
}
