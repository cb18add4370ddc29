/**
 * The version of the wire protocol (the nenc.v1 services and their semantics), and
 * the request headers that carry it. A client sends both on every call; the
 * orchestrator refuses a call whose protocol it does not speak with
 * FAILED_PRECONDITION naming both versions. A call without them (buf curl, grpcurl)
 * is served: the headers are for SDKs, which can be out of step.
 */
export const PROTOCOL_VERSION = "1";

/** The header with the client's PROTOCOL_VERSION. */
export const PROTOCOL_HEADER = "nenc-protocol";

/** The header naming the client SDK and its version, e.g. "typescript/0.1.0" (for logs). */
export const SDK_HEADER = "nenc-sdk";
