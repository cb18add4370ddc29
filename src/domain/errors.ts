/**
 * The error codes of the domain. The transport maps them to gRPC/Connect codes
 * one to one, the SDKs map them back to typed errors.
 */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "RESOURCE_EXHAUSTED"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "UNAVAILABLE"
  | "INTERNAL";

/**
 * The one error type of nenc. `field` names the offending input so a message can
 * say what to fix: `new NencError("INVALID_ARGUMENT", "must be a JSON object", "arguments")`.
 */
export class NencError extends Error {
  override readonly name = "NencError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
  }

  static invalid(field: string, message: string): NencError {
    return new NencError("INVALID_ARGUMENT", message, field);
  }

  static notFound(what: string, id: string, hint?: string): NencError {
    return new NencError("NOT_FOUND", `${what} ${quote(id)} not found${hint ? `; ${hint}` : ""}`);
  }
}

/** The message of anything thrown, for logs and explain records. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Longest client value an error message repeats; the rest is summarised. */
const QUOTE_LIMIT = 80;

/**
 * A client's value quoted for an error message, cut to its start when long: an
 * error must stay small whatever was sent (a 100 KB id would not fit in the
 * response's trailers).
 */
export function quote(value: string): string {
  if (value.length <= QUOTE_LIMIT) return `"${value}"`;
  return `"${value.slice(0, QUOTE_LIMIT)}…" (${value.length} characters)`;
}
