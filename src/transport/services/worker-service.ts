import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { assignmentToWire } from "@nenc/protocol";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import {
  type Assignment as AssignmentMessage,
  type ConnectRequest,
  type ConnectResponse,
  ConnectResponseSchema,
  type FunctionEvaluated,
  type Reports,
  type TaskCompleted,
  type TaskFailed,
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
import type { Access } from "../access.js";
import { DROP_STREAM } from "../connection-caps.js";
import { abortReasonToProto, evaluationRequestToProto, taskErrorFromProto } from "../convert.js";
import { wireValueToJson } from "../convert-trigger.js";
import { toConnectError } from "../errors.js";

/**
 * The worker stream: translates wire messages to and from the engine's worker
 * connection (which applies them, see WorkerLink). The first message must be hello.
 * Bad messages are logged and skipped, never fatal to anything but (for a protocol
 * violation) the stream that sent them.
 */
export function createWorkerService(
  orchestrator: Orchestrator,
  access: Access,
  logger: Logger,
): ServiceImpl<typeof WorkerService> {
  return {
    connect(requests, context) {
      return runWorkerStream({ orchestrator, access, logger }, requests, context);
    },
  };
}

interface WorkerStreamDeps {
  orchestrator: Orchestrator;
  access: Access;
  logger: Logger;
}

/**
 * One worker's stream: its hello, then its messages to the engine and the engine's
 * to it. With tokens, the hello's app must be one the token serves (worker:<app>),
 * and the worker's identity is bound to the token (WorkerHello.owner).
 */
async function* runWorkerStream(
  { orchestrator, access, logger }: WorkerStreamDeps,
  requests: AsyncIterable<ConnectRequest>,
  context: HandlerContext,
): AsyncGenerator<ConnectResponse> {
  const iterator = requests[Symbol.asyncIterator]();
  const hello = await readHello(iterator);
  if (!hello) return;
  access.require(context, { kind: "worker", app: hello.appId });
  const outbox = new AsyncQueue<ConnectResponse>();
  const channel = outboxChannel(hello, outbox, logger, context.values.get(DROP_STREAM));
  const owner = access.caller(context)?.name;
  const connection = await orchestrator.workers.connect(helloFromProto(hello, owner), channel);

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

function helloFromProto(hello: WorkerHelloMessage, owner: string | undefined): WorkerHello {
  return {
    ...(owner === undefined ? {} : { owner }),
    appId: hello.appId,
    workerId: hello.workerId,
    concurrency: hello.concurrency,
    prefetch: hello.prefetch,
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
      const message = next.value.message;
      if (message.case !== "reports") connection.receive(toWorkerMessage(message));
      else for (const report of reportMessages(message.value)) connection.receive(report);
    }
    await connection.settled();
    outbox.end();
  } catch (error) {
    outbox.end(signal.aborted ? undefined : toConnectError(error, logger));
  }
}

/**
 * The engine's channel to one worker, writing wire messages to the stream's outbox:
 * values as JSON bytes and the assignments delivered together (in one run of
 * microtasks: a claim's batch) as one frame, for a worker whose hello says it
 * reads them. Not later: waiting for the next turn of the event loop would hold
 * the work back while other requests are served.
 */
function outboxChannel(
  hello: WorkerHelloMessage,
  outbox: AsyncQueue<ConnectResponse>,
  logger: Logger,
  drop: (() => void) | undefined,
): WorkerChannel {
  const { workerId, jsonValues, batches } = hello;
  const unreadLimit = hello.concurrency + hello.prefetch + UNREAD_CONTROL_MESSAGES;
  let pending: AssignmentMessage[] = [];
  const flush = () => {
    const items = pending;
    if (items.length === 0) return;
    pending = [];
    outbox.push(
      create(ConnectResponseSchema, {
        message:
          items.length === 1
            ? { case: "assignment", value: items[0] as AssignmentMessage }
            : { case: "assignments", value: { items } },
      }),
    );
  };
  // Anything else flushes the batch first, so that an abort never overtakes its assignment.
  const send = (message: MessageInitShape<typeof ConnectResponseSchema>["message"]) => {
    flush();
    outbox.push(create(ConnectResponseSchema, { message }));
    if (outbox.length > unreadLimit) dropUnread(workerId, outbox, unreadLimit, drop, logger);
  };
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
          jsonValues: true,
          batches: true,
        },
      }),
    assign: (assignment) => {
      const message = assignmentToWire(assignment, jsonValues);
      if (!batches) return send({ case: "assignment", value: message });
      pending.push(message);
      if (pending.length === 1) queueMicrotask(flush);
    },
    evaluate: (request) => send({ case: "evaluate", value: evaluationRequestToProto(request, jsonValues) }),
    abort: (assignmentId, reason, message) =>
      send({ case: "abort", value: { assignmentId, reason: abortReasonToProto(reason), message } }),
    close: (error) => {
      flush();
      outbox.end(error ? toConnectError(error, logger) : undefined);
    },
  };
}

/**
 * Messages a worker may leave unread beyond its credit (assignments it may hold):
 * evaluation requests, aborts. Past that it is not reading its stream (HTTP/2 flow
 * control holds the rest here), and the stream is dropped rather than buffered.
 */
const UNREAD_CONTROL_MESSAGES = 64;

/** Ends a stream whose worker stopped reading: RESOURCE_EXHAUSTED, and the HTTP/2 stream reset. */
function dropUnread(
  workerId: string,
  outbox: AsyncQueue<ConnectResponse>,
  limit: number,
  drop: (() => void) | undefined,
  logger: Logger,
): void {
  const message = `worker ${workerId} left ${outbox.length} messages unread, more than its credit (hello.concurrency + hello.prefetch) and ${UNREAD_CONTROL_MESSAGES} more (${limit}); the stream is dropped: a worker must read its stream`;
  logger.warn("dropped a worker stream that was not read", { workerId, unread: outbox.length, limit });
  outbox.end(new NencError("RESOURCE_EXHAUSTED", message));
  drop?.();
}

/** A worker's wire message in the engine's words. */
function toWorkerMessage(message: ConnectRequest["message"]): WorkerMessage {
  switch (message.case) {
    case "started":
      return { kind: "started", assignmentId: message.value.assignmentId };
    case "completed":
      return completedMessage(message.value);
    case "failed":
      return failedMessage(message.value);
    case "heartbeat":
      return { kind: "heartbeat" };
    case "evaluated":
      return {
        kind: "evaluated",
        requestId: message.value.requestId,
        outcome: message.value.error
          ? { error: taskErrorFromProto(message.value.error) }
          : functionValue(message.value),
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

/** A worker's report of an attempt's end, in the engine's words. */
type EndMessage = Extract<WorkerMessage, { kind: "completed" | "unreadable" | "failed" }>;

function failedMessage(message: TaskFailed, startedWithIt = false): EndMessage {
  const { assignmentId } = message;
  return { kind: "failed", assignmentId, error: taskErrorFromProto(message.error), startedWithIt };
}

/**
 * A Reports frame in the engine's words, in the order it applies: starts, then
 * completions, then failures. A start whose end is in the same frame travels with
 * the end (startedWithIt) instead of as a message of its own.
 */
function reportMessages(reports: Reports): WorkerMessage[] {
  const ends = new Set<string>();
  for (const { assignmentId } of reports.completed) ends.add(assignmentId);
  for (const { assignmentId } of reports.failed) ends.add(assignmentId);
  const startedIds = new Set<string>();
  const messages: WorkerMessage[] = [];
  for (const { assignmentId } of reports.started) {
    if (ends.has(assignmentId)) startedIds.add(assignmentId);
    else messages.push({ kind: "started", assignmentId });
  }
  for (const value of reports.completed)
    messages.push(completedMessage(value, startedIds.has(value.assignmentId)));
  for (const value of reports.failed) messages.push(failedMessage(value, startedIds.has(value.assignmentId)));
  return messages;
}

/** A result that cannot even be read as JSON fails its attempt; the stream carries on. */
function completedMessage(message: TaskCompleted, startedWithIt = false): EndMessage {
  const { assignmentId } = message;
  try {
    const result = wireValueToJson(message.resultJson, message.result, "result");
    return { kind: "completed", assignmentId, result, startedWithIt };
  } catch (error) {
    if (!(error instanceof NencError)) throw error;
    return { kind: "unreadable", assignmentId, why: error.message, startedWithIt };
  }
}

/** A function's value, or why it cannot be read: then that evaluation fails, nothing else. */
function functionValue(message: FunctionEvaluated): { value: JsonValue } | { error: TaskError } {
  try {
    return { value: wireValueToJson(message.valueJson, message.value, "the function's value") };
  } catch (error) {
    if (!(error instanceof NencError)) throw error;
    return {
      error: { type: "ValueNotAccepted", message: error.message, chain: ["ValueNotAccepted"], stack: "" },
    };
  }
}
