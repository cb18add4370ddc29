import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { fromJson, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { NencError } from "../domain/errors.js";
import type { Invocation } from "../domain/invocation.js";
import { type Invocation as InvocationMessage, InvocationSchema } from "../gen/nenc/v1/invocation_pb.js";
import { invocationToProto } from "./convert.js";

/**
 * The client connection a request came on (its HTTP/2 session, or its socket),
 * set by the server for each request; absent in-process (createRouterTransport).
 */
export const CONNECTION = createContextKey<object | undefined>(undefined, {
  description: "the client connection of the request",
});

/** The connection of a Node request, for CONNECTION. */
export function connectionOf(request: IncomingMessage | Http2ServerRequest): object {
  return "stream" in request && request.stream ? (request.stream.session ?? request.socket) : request.socket;
}

/** A field carried as encoded bytes (protobuf-es's unknown-field record). */
type UnknownField = NonNullable<InvocationMessage["$unknown"]>[number];

/** For requests with no connection (in-process): they share one. */
const IN_PROCESS = {};

export interface WatchStreamLimits {
  /** Open WatchInvocation streams a replica serves at most. */
  maxWatchStreams: number;
  /** Open WatchInvocation streams one connection may hold. */
  maxWatchStreamsPerConnection: number;
}

/**
 * Counts open WatchInvocation streams per connection and in total, and refuses
 * one past either cap with RESOURCE_EXHAUSTED naming the cap and its setting: a
 * stream holds memory and gets every change of its invocation.
 */
export class WatchStreams {
  private total = 0;
  private readonly perConnection = new WeakMap<object, number>();

  constructor(private readonly limits: WatchStreamLimits) {}

  /** Counts a new stream in (or throws); returns the function that counts it out. */
  open(context: HandlerContext): () => void {
    const connection = context.values.get(CONNECTION) ?? IN_PROCESS;
    const onConnection = this.perConnection.get(connection) ?? 0;
    if (onConnection >= this.limits.maxWatchStreamsPerConnection) {
      throw exhausted(
        `this connection has ${onConnection} WatchInvocation streams open, the most one connection may hold (maxWatchStreamsPerConnection, NENC_MAX_WATCH_STREAMS_PER_CONNECTION=${this.limits.maxWatchStreamsPerConnection}); close one first, or wait with AwaitInvocation or a Session`,
      );
    }
    if (this.total >= this.limits.maxWatchStreams) {
      throw exhausted(
        `this replica serves ${this.total} WatchInvocation streams, its most (maxWatchStreams, NENC_MAX_WATCH_STREAMS=${this.limits.maxWatchStreams}); retry later or on another replica, or wait with AwaitInvocation or a Session`,
      );
    }
    this.total++;
    this.perConnection.set(connection, onConnection + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.total--;
      this.perConnection.set(connection, (this.perConnection.get(connection) ?? 1) - 1);
    };
  }
}

function exhausted(message: string): NencError {
  return new NencError("RESOURCE_EXHAUSTED", message);
}

/** How a stream's messages are encoded: the gRPC/Connect binary codec, or JSON. */
export type WatchCodec = "binary" | "json";

/** The codec of a request, from its content type (application/grpc, application/grpc+json, …). */
export function codecOf(context: HandlerContext): WatchCodec {
  return (context.requestHeader.get("content-type") ?? "").includes("json") ? "json" : "binary";
}

/** A watch update's message in each form, made once per invocation version for all its streams. */
interface UpdateForms {
  full?: InvocationMessage;
  change?: InvocationMessage;
  binaryFull?: InvocationMessage;
  binaryChange?: InvocationMessage;
}

/**
 * The messages of the watched invocations, made once per version for all the
 * streams that watch it (see update), and forgotten with its last stream.
 */
export class WatchMessages {
  private readonly watched = new Map<string, { version: number; forms: UpdateForms; streams: number }>();

  /** Counts a stream of the invocation in; returns the function that counts it out. */
  follow(invocationId: string): () => void {
    const entry = this.watched.get(invocationId) ?? { version: -1, forms: {}, streams: 0 };
    entry.streams++;
    this.watched.set(invocationId, entry);
    return () => {
      if (--entry.streams === 0 && this.watched.get(invocationId) === entry)
        this.watched.delete(invocationId);
    };
  }

  /**
   * The message of a watch update. After a stream's first update `arguments` is
   * left out: they never change, and resending them to every stream at every
   * status change is what made watching a large invocation costly. For the binary
   * codec the large fields (arguments, result) are encoded once, here, and carried
   * as raw field bytes (protobuf-es writes a message's unknown fields verbatim):
   * encoding a 256 KB Struct takes tens of milliseconds, per stream otherwise.
   */
  update(invocation: Invocation, first: boolean, codec: WatchCodec): InvocationMessage {
    const entry = this.watched.get(invocation.id);
    const made = entry?.version === invocation.version ? entry.forms : {};
    if (entry && entry.version !== invocation.version) {
      entry.version = invocation.version;
      entry.forms = made;
    }
    made.full ??= invocationToProto(invocation);
    if (codec === "json") {
      if (first) return made.full;
      made.change ??= { ...made.full, arguments: undefined };
      return made.change;
    }
    if (first) {
      made.binaryFull ??= preEncoded(made.full, true);
      return made.binaryFull;
    }
    made.binaryChange ??= preEncoded(made.full, false);
    return made.binaryChange;
  }
}

/** `message` with its result (and its arguments, or none) moved to raw field bytes, encoded now. */
function preEncoded(message: InvocationMessage, withArguments: boolean): InvocationMessage {
  const raw: UnknownField[] = [];
  if (withArguments && message.arguments)
    raw.push(
      rawField(
        InvocationSchema.field.arguments.number,
        toBinary(StructSchema, fromJson(StructSchema, message.arguments)),
      ),
    );
  if (message.result)
    raw.push(rawField(InvocationSchema.field.result.number, toBinary(ValueSchema, message.result)));
  return { ...message, arguments: undefined, result: undefined, $unknown: raw };
}

function rawField(no: number, encoded: Uint8Array): UnknownField {
  return { no, wireType: WireType.LengthDelimited, data: new BinaryWriter().bytes(encoded).finish() };
}
