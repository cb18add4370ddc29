import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ErrorCode, NencError } from "../domain/errors.js";
import type { Logger } from "../domain/logger.js";
import { asInvalidArgument } from "./wire-errors.js";

const CODES: Record<ErrorCode, Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  UNAUTHENTICATED: Code.Unauthenticated,
  PERMISSION_DENIED: Code.PermissionDenied,
  UNAVAILABLE: Code.Unavailable,
  INTERNAL: Code.Internal,
};

/**
 * The one place where errors become wire errors: NencError keeps its code and
 * message; ConnectError passes through (a request that did not decode becomes
 * INVALID_ARGUMENT); anything else is logged and answered as
 * INTERNAL without leaking its details.
 */
export function toConnectError(error: unknown, logger: Logger): ConnectError {
  if (error instanceof ConnectError) {
    // A stream's messages are decoded as they are read, inside the implementation.
    const decoded = asInvalidArgument(error);
    return decoded.rawMessage.length <= MAX_MESSAGE_CHARS
      ? decoded
      : new ConnectError(cut(decoded.rawMessage), decoded.code);
  }
  if (error instanceof NencError) return new ConnectError(cut(error.message), CODES[error.code]);
  logger.error("unexpected error in a request", {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return new ConnectError("internal error; the orchestrator logged the details", Code.Internal);
}

/**
 * Longest error message sent. It travels in HTTP/2 trailers, whose size peers limit
 * (a message echoing a 100 KB input would reset the stream instead of answering).
 */
const MAX_MESSAGE_CHARS = 2_000;

function cut(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS)}… (cut)`;
}

type AnyHandler = (...args: never[]) => unknown;

/**
 * Wraps every method of a service implementation so that thrown errors (and errors
 * raised while streaming) go through toConnectError.
 */
export function guard<T extends Record<string, AnyHandler>>(
  service: DescService,
  implementation: T,
  logger: Logger,
): T {
  const guarded: Record<string, AnyHandler> = {};
  for (const method of service.methods) {
    const handler = implementation[method.localName];
    if (!handler) continue;
    const streamsOut = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
    guarded[method.localName] = streamsOut
      ? (async function* (...args: never[]) {
          try {
            yield* handler(...args) as AsyncIterable<unknown>;
          } catch (error) {
            throw toConnectError(error, logger);
          }
        } as AnyHandler)
      : async (...args: never[]) => {
          try {
            return await handler(...args);
          } catch (error) {
            throw toConnectError(error, logger);
          }
        };
  }
  return guarded as T;
}
