import http2 from "node:http2";

/**
 * Sends one Connect-protocol JSON request over a fresh HTTP/2 connection and
 * returns the status and parsed body: for inputs a typed client cannot even build.
 */
export async function postConnectJson(
  url: string,
  path: string,
  body: string,
): Promise<{ status: number; json: { code?: string; message?: string } & Record<string, unknown> }> {
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/json",
      });
      let status = 0;
      let text = "";
      stream.on("response", (headers) => (status = Number(headers[":status"])));
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (text += chunk));
      stream.on("end", () => resolve({ status, json: text ? JSON.parse(text) : {} }));
      stream.on("error", reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

/** The status of one request sent as raw bytes: HTTP status, gRPC status and message, body. */
export interface RawAnswer {
  status: number;
  grpcStatus?: string;
  grpcMessage?: string;
  /** Connect streams: the error of the end-of-stream frame. */
  endStreamError?: { code: string; message?: string };
  body: Buffer;
}

/**
 * Sends `message` as raw bytes in one request over a fresh HTTP/2 connection, in
 * the framing of `protocol`: for bytes no typed client would produce (malformed
 * protobuf, invalid UTF-8). gRPC status comes from the trailers (gRPC) or the
 * trailer frame in the body (gRPC-web).
 */
export async function postRawMessage(
  url: string,
  path: string,
  message: Uint8Array,
  protocol: "grpc" | "grpc-web" | "connect" | "connect-stream",
): Promise<RawAnswer> {
  const framed =
    protocol === "connect"
      ? Buffer.from(message)
      : Buffer.concat([envelopeHeader(message.byteLength), message]);
  const contentType = {
    grpc: "application/grpc",
    "grpc-web": "application/grpc-web+proto",
    connect: "application/proto",
    "connect-stream": "application/connect+proto",
  };
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": contentType[protocol],
        ...(protocol === "grpc" ? { te: "trailers" } : {}),
      });
      const answer: RawAnswer = { status: 0, body: Buffer.alloc(0) };
      const chunks: Buffer[] = [];
      const readStatus = (headers: http2.IncomingHttpHeaders) => {
        if (headers["grpc-status"] !== undefined) answer.grpcStatus = String(headers["grpc-status"]);
        if (headers["grpc-message"] !== undefined)
          answer.grpcMessage = decodeURIComponent(String(headers["grpc-message"]));
      };
      stream.on("response", (headers) => {
        answer.status = Number(headers[":status"]);
        readStatus(headers);
      });
      stream.on("trailers", readStatus);
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        answer.body = Buffer.concat(chunks);
        if (protocol === "grpc-web" && answer.body[0] === 0x80) {
          const text = answer.body.subarray(5).toString("utf8");
          answer.grpcStatus = /grpc-status: *(\d+)/.exec(text)?.[1];
          const encoded = /grpc-message: *(.*)/.exec(text)?.[1]?.trim();
          if (encoded !== undefined) answer.grpcMessage = decodeURIComponent(encoded);
        }
        if (protocol === "connect-stream" && answer.body[0] === 0x02) {
          answer.endStreamError = JSON.parse(answer.body.subarray(5).toString("utf8")).error;
        }
        resolve(answer);
      });
      stream.on("error", reject);
      stream.end(framed);
    });
  } finally {
    session.close();
  }
}

function envelopeHeader(length: number): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(length, 1);
  return header;
}
