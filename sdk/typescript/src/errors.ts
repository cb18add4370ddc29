import { Code, ConnectError } from "@connectrpc/connect";

/** An error answered by the orchestrator; `code` is the gRPC code name. */
export class NencError extends Error {
  override name = "NencError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The request was malformed; the message names the field and the fix. */
export class InvalidArgumentError extends NencError {
  override name = "InvalidArgumentError";
}

/** A task, invocation, trigger or event does not exist. */
export class NotFoundError extends NencError {
  override name = "NotFoundError";
}

/** The orchestrator cannot be reached or is shutting down. */
export class UnavailableError extends NencError {
  override name = "UnavailableError";
}

/** An idempotency key was used before for another call (a key names one call). */
export class AlreadyExistsError extends NencError {
  override name = "AlreadyExistsError";
}

/** A limit of the orchestrator was reached; the message names it and its setting. */
export class ResourceExhaustedError extends NencError {
  override name = "ResourceExhaustedError";
}

/** The call carried no token, or one the orchestrator does not know or that expired (see NENC_TOKEN). */
export class UnauthenticatedError extends NencError {
  override name = "UnauthenticatedError";
}

/** The token lacks the scope the call needs; the message names the scope. */
export class PermissionDeniedError extends NencError {
  override name = "PermissionDeniedError";
}

/**
 * A task's result (or a function's value) cannot travel to the orchestrator: not
 * JSON, nested too deep or too large. The attempt fails with it (type
 * "ResultNotAccepted", as when the orchestrator refuses a result; the task's retry
 * policy applies) and the worker carries on.
 */
export class ResultNotAcceptedError extends TypeError {
  override name = "ResultNotAccepted";
}

/** The task function threw; `remoteType` and `chain` are the error's class names. */
export class TaskFailedError extends Error {
  override name = "TaskFailedError";
  constructor(
    readonly invocationId: string,
    readonly remoteType: string,
    readonly remoteMessage: string,
    readonly chain: readonly string[],
    readonly remoteStack: string,
  ) {
    super(`${remoteType}: ${remoteMessage}`);
  }
}

/** The typed error for a gRPC code name ("NOT_FOUND") and message. */
export function errorFromCode(code: string, message: string): NencError {
  switch (code) {
    case "INVALID_ARGUMENT":
      return new InvalidArgumentError(message, code);
    case "NOT_FOUND":
      return new NotFoundError(message, code);
    case "UNAVAILABLE":
      return new UnavailableError(message, code);
    case "ALREADY_EXISTS":
      return new AlreadyExistsError(message, code);
    case "RESOURCE_EXHAUSTED":
      return new ResourceExhaustedError(message, code);
    case "UNAUTHENTICATED":
      return new UnauthenticatedError(message, code);
    case "PERMISSION_DENIED":
      return new PermissionDeniedError(message, code);
    default:
      return new NencError(message, code);
  }
}

/** Maps a transport error to the typed errors above. */
export function fromRpcError(error: unknown): Error {
  if (!(error instanceof ConnectError)) return error instanceof Error ? error : new Error(String(error));
  return errorFromCode(Code[error.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase(), error.rawMessage);
}

/** Runs an RPC and rethrows its failure as a typed error. */
export async function rpc<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromRpcError(error);
  }
}
