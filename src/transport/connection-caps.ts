import type { IncomingMessage } from "node:http";
import http2, { type Http2ServerRequest } from "node:http2";
import { createContextKey } from "@connectrpc/connect";
import { NencError } from "../domain/errors.js";

/**
 * The client connection a request came on (its HTTP/2 session, or its socket),
 * set by the server for each request; absent in-process (createRouterTransport).
 */
export const CONNECTION = createContextKey<object | undefined>(undefined, {
  description: "the client connection of the request",
});

/**
 * Resets the request's own HTTP/2 stream (ENHANCE_YOUR_CALM), or closes its HTTP/1.1
 * connection: for a stream whose client stopped reading, where ending the response
 * would wait forever on the client's flow control. Absent in-process.
 */
export const DROP_STREAM = createContextKey<(() => void) | undefined>(undefined, {
  description: "resets the request's stream",
});

/** The DROP_STREAM of a Node request. */
export function dropperOf(request: IncomingMessage | Http2ServerRequest): () => void {
  return () => {
    if ("stream" in request && request.stream)
      request.stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    else request.socket.destroy();
  };
}

/** The connection of a Node request, for CONNECTION. */
export function connectionOf(request: IncomingMessage | Http2ServerRequest): object {
  return "stream" in request && request.stream ? (request.stream.session ?? request.socket) : request.socket;
}

/** For requests with no connection (in-process): they share one. */
const IN_PROCESS = {};

/** One cap: its value and the names it is set by (option, environment variable). */
export interface Cap {
  max: number;
  setting: string;
  /** What a refused client can do instead. */
  instead: string;
}

/** What is counted ("WatchInvocation streams open"), and its caps per connection and per replica. */
export interface ConnectionCapSpec {
  what: string;
  perConnection: Cap;
  total: Cap;
}

/**
 * Counts something a client holds open (streams, waits) per connection and in
 * total, and refuses one past either cap with RESOURCE_EXHAUSTED naming the cap
 * and its setting: each holds memory and work on this replica until it ends.
 */
export class ConnectionCaps {
  private total = 0;
  private readonly perConnection = new WeakMap<object, number>();

  constructor(private readonly spec: ConnectionCapSpec) {}

  /** Counts one in on `connection` (or throws); returns the function that counts it out (once). */
  open(connection: object | undefined): () => void {
    const key = connection ?? IN_PROCESS;
    const { what, perConnection, total } = this.spec;
    const onConnection = this.perConnection.get(key) ?? 0;
    if (onConnection >= perConnection.max) {
      throw exhausted(
        `this connection has ${onConnection} ${what}, the most one connection may hold (${perConnection.setting}=${perConnection.max}); ${perConnection.instead}`,
      );
    }
    if (this.total >= total.max) {
      throw exhausted(
        `this replica has ${this.total} ${what}, the most it serves (${total.setting}=${total.max}); ${total.instead}`,
      );
    }
    this.total++;
    this.perConnection.set(key, onConnection + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.total--;
      this.perConnection.set(key, (this.perConnection.get(key) ?? 1) - 1);
    };
  }
}

function exhausted(message: string): NencError {
  return new NencError("RESOURCE_EXHAUSTED", message);
}
