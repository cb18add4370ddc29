import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";

/**
 * connect-es reports request bytes that do not decode (malformed protobuf, invalid
 * UTF-8 in a string, nesting past the decoder's recursion limit) as INTERNAL
 * "parse binary: ...", although the sender is at fault.
 */
const PARSE_FAILURE = /^parse binary: /;

/** A decode failure of the request as INVALID_ARGUMENT; any other error unchanged. */
export function asInvalidArgument(error: ConnectError): ConnectError {
  if (error.code !== Code.Internal || !PARSE_FAILURE.test(error.rawMessage)) return error;
  return new ConnectError(error.rawMessage, Code.InvalidArgument);
}

/**
 * Wraps a handler so that a request it could not decode is answered
 * INVALID_ARGUMENT instead of INTERNAL. Unary requests are decoded before any
 * interceptor or implementation runs, so the answer itself is rewritten, in the
 * shape of each protocol: gRPC trailers, the gRPC-web trailer frame, the Connect
 * unary JSON error and the Connect end-of-stream frame.
 */
export function mapDecodeFailures(handler: UniversalHandler): UniversalHandler {
  const mapped = async (...args: Parameters<UniversalHandler>) => rewrite(await handler(...args));
  return Object.assign(mapped, handler);
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const GRPC_WEB_TRAILER = 0x80;
const CONNECT_END_STREAM = 0x02;
const CONNECT_UNARY_PARSE_FAILURE = /"code":"internal","message":"parse binary: /;

async function rewrite(response: UniversalServerResponse): Promise<UniversalServerResponse> {
  const body = response.body;
  if (!body) return response;
  if (response.status === 500 && response.header?.get("content-type") === "application/json") {
    return rewriteConnectUnary(response, body);
  }
  return { ...response, body: rewriteStream(body, response.trailer) };
}

/** Connect unary: one JSON error body, answered with HTTP 500 for INTERNAL. */
async function rewriteConnectUnary(
  response: UniversalServerResponse,
  body: AsyncIterable<Uint8Array>,
): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const text = DECODER.decode(Buffer.concat(chunks));
  if (!CONNECT_UNARY_PARSE_FAILURE.test(text)) return { ...response, body: once(Buffer.concat(chunks)) };
  const bytes = ENCODER.encode(text.replace('"code":"internal"', '"code":"invalid_argument"'));
  response.header?.set("content-length", String(bytes.byteLength));
  return { ...response, status: 400, body: once(bytes) };
}

/**
 * gRPC (trailers after the body), gRPC-web and Connect streams (a final frame in the
 * body). A plain iterator rather than an async generator: every frame of every
 * stream passes here, and a generator costs several promises per frame.
 */
function rewriteStream(
  body: AsyncIterable<Uint8Array>,
  trailer: Headers | undefined,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      const inner = body[Symbol.asyncIterator]();
      const step = (result: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> => {
        if (!result.done) return { done: false, value: rewriteFinalFrame(result.value) };
        rewriteTrailer(trailer);
        return result;
      };
      return {
        next: () => inner.next().then(step),
        return: (value?: unknown) =>
          inner.return ? inner.return(value) : Promise.resolve({ done: true, value: undefined }),
        throw: (error?: unknown) => (inner.throw ? inner.throw(error) : Promise.reject(error)),
      };
    },
  };
}

function rewriteTrailer(trailer: Headers | undefined): void {
  if (trailer?.get("grpc-status") === "13" && isParseFailureMessage(trailer.get("grpc-message"))) {
    trailer.set("grpc-status", "3");
  }
}

function rewriteFinalFrame(chunk: Uint8Array): Uint8Array {
  const flag = chunk[0];
  if ((flag !== GRPC_WEB_TRAILER && flag !== CONNECT_END_STREAM) || chunk.byteLength < 5) return chunk;
  const text = DECODER.decode(chunk.subarray(5));
  let rewritten: string | undefined;
  if (flag === GRPC_WEB_TRAILER) {
    const message = /^grpc-message: (.*)$/m.exec(text)?.[1]?.trim();
    if (/^grpc-status: 13\r?$/m.test(text) && isParseFailureMessage(message ?? null)) {
      rewritten = text.replace(/^grpc-status: 13/m, "grpc-status: 3");
    }
  } else if (text.includes('"code":"internal","message":"parse binary: ')) {
    rewritten = text.replace('"code":"internal"', '"code":"invalid_argument"');
  }
  if (rewritten === undefined) return chunk;
  const payload = ENCODER.encode(rewritten);
  const frame = new Uint8Array(5 + payload.byteLength);
  frame[0] = flag;
  new DataView(frame.buffer).setUint32(1, payload.byteLength);
  frame.set(payload, 5);
  return frame;
}

function isParseFailureMessage(encoded: string | null): boolean {
  if (!encoded) return false;
  try {
    return PARSE_FAILURE.test(decodeURIComponent(encoded));
  } catch {
    return false;
  }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
