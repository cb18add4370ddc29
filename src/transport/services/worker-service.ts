import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Value } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import {
  type ConnectRequest,
  type ConnectResponse,
  ConnectResponseSchema,
  type TaskCompleted,
  type WorkerHello as WorkerHelloMessage,
  type WorkerService,
} from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { NencError } from "../../domain/errors.js";
import type { TaskError } from "../../domain/invocation.js";
import type { JsonValue } from "../../domain/json.js";
import type { Logger } from "../../domain/logger.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import type { WorkerConnection } from "../../engine/workers/worker-link.js";
import type { WorkerChannel, WorkerHello, WorkerMessage } from "../../engine/workers/worker-session.js";
import {
  abortReasonToProto,
  assignmentToProto,
  evaluationRequestToProto,
  taskErrorFromProto,
} from "../convert.js";
import { valueToJson } from "../convert-trigger.js";
import { toConnectError } from "../errors.js";

/**
 * The worker stream: translates wire messages to and from the engine's worker
 * connection (which applies them, see WorkerLink). The first message must be hello.
 * Bad messages are logged and skipped, never fatal to anything but (for a protocol
 * violation) the stream that sent them.
 */
export function createWorkerService(
  orchestrator: Orchestrator,
  logger: Logger,
): ServiceImpl<typeof WorkerService> {
  return {
    connect(requests, context) {
      return runWorkerStream(orchestrator, logger, requests, context);
    },
  };
}

/** One worker's stream: its hello, then its messages to the engine and the engine's to it. */
async function* runWorkerStream(
  orchestrator: Orchestrator,
  logger: Logger,
  requests: AsyncIterable<ConnectRequest>,
  context: HandlerContext,
): AsyncGenerator<ConnectResponse> {
  const iterator = requests[Symbol.asyncIterator]();
  const hello = await readHello(iterator);
  if (!hello) return;
  const outbox = new AsyncQueue<ConnectResponse>();
  const channel = outboxChannel(hello.workerId, outbox, logger);
  const connection = await orchestrator.workers.connect(helloFromProto(hello), channel);

  const onAbort = () => outbox.end();
  context.signal.addEventListener("abort", onAbort);
  const reading = forwardMessages(iterator, connection, outbox, context.signal, logger);
  try {
    yield* outbox;
  } finally {
    context.signal.removeEventListener("abort", onAbort);
    await connection.disconnected().catch((error: unknown) => {
      logger.error("releasing a worker's assignments failed", {
        workerId: hello.workerId,
        error: String(error),
      });
    });
    void reading;
  }
}

/** The stream's first message, which must be hello; undefined when the stream ended first. */
async function readHello(iterator: AsyncIterator<ConnectRequest>): Promise<WorkerHelloMessage | undefined> {
  const first = await iterator.next();
  if (first.done) return undefined;
  const opening = first.value.message;
  if (opening.case !== "hello") {
    throw new ConnectError(
      `the first message on the worker stream must be hello, got ${opening.case ?? "an empty message"}`,
      Code.FailedPrecondition,
    );
  }
  return opening.value;
}

function helloFromProto(hello: WorkerHelloMessage): WorkerHello {
  return {
    appId: hello.appId,
    workerId: hello.workerId,
    concurrency: hello.concurrency,
    taskIds: [...hello.taskIds],
    functions: [...hello.functions],
    sdk: hello.sdk,
    heldAssignmentIds: [...hello.heldAssignmentIds],
  };
}

/**
 * Hands the worker's messages to the engine until the worker closes its side, then
 * ends the outbox once its work is settled. A broken stream ends the outbox with the
 * error, unless the client went away (then nobody is listening).
 */
async function forwardMessages(
  iterator: AsyncIterator<ConnectRequest>,
  connection: WorkerConnection,
  outbox: AsyncQueue<ConnectResponse>,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      connection.receive(toWorkerMessage(next.value));
    }
    await connection.settled();
    outbox.end();
  } catch (error) {
    outbox.end(signal.aborted ? undefined : toConnectError(error, logger));
  }
}

/** The engine's channel to one worker, writing wire messages to the stream's outbox. */
function outboxChannel(workerId: string, outbox: AsyncQueue<ConnectResponse>, logger: Logger): WorkerChannel {
  const send = (message: MessageInitShape<typeof ConnectResponseSchema>["message"]) =>
    outbox.push(create(ConnectResponseSchema, { message }));
  return {
    welcome: (terms) =>
      send({
        case: "welcome",
        value: {
          workerId,
          heartbeatIntervalMs: BigInt(terms.heartbeatIntervalMs),
          leaseMs: BigInt(terms.leaseMs),
          maxPayloadBytes: BigInt(terms.maxPayloadBytes),
          maxJsonDepth: terms.maxJsonDepth,
        },
      }),
    assign: (assignment) => send({ case: "assignment", value: assignmentToProto(assignment) }),
    evaluate: (request) => send({ case: "evaluate", value: evaluationRequestToProto(request) }),
    abort: (assignmentId, reason, message) =>
      send({ case: "abort", value: { assignmentId, reason: abortReasonToProto(reason), message } }),
    close: (error) => outbox.end(error ? toConnectError(error, logger) : undefined),
  };
}

/** A worker's wire message in the engine's words. */
function toWorkerMessage(request: ConnectRequest): WorkerMessage {
  const message = request.message;
  switch (message.case) {
    case "started":
      return { kind: "started", assignmentId: message.value.assignmentId };
    case "completed":
      return completedMessage(message.value);
    case "failed":
      return {
        kind: "failed",
        assignmentId: message.value.assignmentId,
        error: taskErrorFromProto(message.value.error),
      };
    case "heartbeat":
      return { kind: "heartbeat" };
    case "evaluated":
      return {
        kind: "evaluated",
        requestId: message.value.requestId,
        outcome: message.value.error
          ? { error: taskErrorFromProto(message.value.error) }
          : functionValue(message.value.value),
      };
    case "functionsAnnounced":
      return { kind: "functionsAnnounced", functions: message.value.functions };
    case "drain":
      return { kind: "drain" };
    case "hello":
      return { kind: "ignored", what: "a second hello" };
    default:
      return { kind: "ignored", what: "an empty message" };
  }
}

/** A result that cannot even be read as JSON fails its attempt; the stream carries on. */
function completedMessage(message: TaskCompleted): WorkerMessage {
  try {
    return {
      kind: "completed",
      assignmentId: message.assignmentId,
      result: valueToJson(message.result, "result"),
    };
  } catch (error) {
    if (!(error instanceof NencError)) throw error;
    return { kind: "unreadable", assignmentId: message.assignmentId, why: error.message };
  }
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
