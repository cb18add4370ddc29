import { fromJson, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import {
  type Invocation as InvocationMessage,
  InvocationSchema,
} from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import type { Invocation } from "../domain/invocation.js";
import { invocationToProto } from "./convert.js";

/** A field carried as encoded bytes (protobuf-es's unknown-field record). */
type UnknownField = NonNullable<InvocationMessage["$unknown"]>[number];

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
