import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { PROTOCOL_HEADER, PROTOCOL_VERSION, SDK_HEADER } from "@nenc/protocol";
import { NENC_VERSION } from "../version.js";

/**
 * Refuses a call from a client that speaks another protocol version
 * (PROTOCOL_HEADER) with FAILED_PRECONDITION naming both, before it is decoded into
 * something it does not mean. A call without the header (buf curl, grpcurl) is served.
 */
export const protocolCheck: Interceptor = (next) => (request) => {
  const spoken = request.header.get(PROTOCOL_HEADER);
  if (spoken !== null && spoken !== PROTOCOL_VERSION) {
    const sdk = request.header.get(SDK_HEADER) ?? "an unnamed client";
    throw new ConnectError(
      `this orchestrator (nenc ${NENC_VERSION}) speaks protocol ${PROTOCOL_VERSION}; ${sdk} speaks protocol ${spoken}: use an SDK and an orchestrator of the same protocol (README, Versions)`,
      Code.FailedPrecondition,
    );
  }
  return next(request);
};
