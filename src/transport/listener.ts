import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2, { type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import net, { type AddressInfo, type Socket } from "node:net";

/** A request handler both HTTP versions call. */
export type NodeHandler = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

/** One port that speaks HTTP/2 (gRPC, SDKs) and HTTP/1.1 (curl, fetch). */
export interface Listener {
  readonly port: number;
  /** `http://host:port` (`https://` with TLS), with an address a client on this machine can dial. */
  readonly url: string;
  /** Stops accepting, ends open HTTP/2 sessions and HTTP/1.1 connections (forced after 2 s). */
  close(): Promise<void>;
}

/** How long a new connection may take to send its first bytes. */
const UNDECIDED_TIMEOUT_MS = 10_000;

/** Every HTTP/2 connection starts with this preface (RFC 9113 §3.4); no HTTP/1.1 request line does. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * Listens on one port for both HTTP versions: each connection goes to the HTTP/2 or
 * the HTTP/1.1 server by its first bytes. HTTP/2 cleartext only by prior knowledge
 * (no Upgrade): gRPC clients and the SDKs connect that way. HTTP/1.1 carries the
 * Connect protocol's unary calls and gRPC-Web, so plain `curl` and `fetch` work.
 */
export async function listen(handler: NodeHandler, port: number, host: string): Promise<Listener> {
  const h2 = http2.createServer(handler);
  const h1 = http.createServer(handler);
  const sessions = openSessions(h2);
  const h1Connections = new Http1Connections(h1);
  const server = net.createServer((socket) => route(socket, h2, h1, h1Connections));
  const bound = await bind(server, port, host);
  return {
    port: bound,
    url: localUrl(host, bound),
    close: () => closeAll(server, sessions, h1Connections),
  };
}

/** The URL of a port bound on `host`: the loopback address for a wildcard bind, IPv6 in brackets. */
function localUrl(host: string, port: number, scheme = "http"): string {
  if (host === "0.0.0.0") return `${scheme}://127.0.0.1:${port}`;
  if (host === "::") return `${scheme}://[::1]:${port}`;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** A port's certificate and key (PEM), and the CA its clients' certificates must chain to (mTLS). */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

/** A TLS listener, whose certificates can be replaced while it serves. */
export interface SecureListener extends Listener {
  /** New connections use `tls` from now on; open ones keep theirs (nothing is dropped). */
  reload(tls: ServerTls): void;
}

/**
 * Listens with TLS (1.2 or newer) for both HTTP versions, chosen by ALPN (h2, then
 * http/1.1); with `clientCa`, a client must present a certificate it signed (mTLS).
 */
export async function listenSecure(
  handler: NodeHandler,
  port: number,
  host: string,
  tls: ServerTls,
): Promise<SecureListener> {
  const server = http2.createSecureServer({ ...secureOptions(tls), allowHTTP1: true }, handler);
  const sessions = openSessions(server);
  const h1Connections = new Http1Connections(server);
  server.on("secureConnection", (socket: Socket & { alpnProtocol?: string | false }) => {
    if (socket.alpnProtocol !== "h2") h1Connections.add(socket);
  });
  const bound = await bind(server, port, host);
  return {
    port: bound,
    url: localUrl(host, bound, "https"),
    reload: (next) => server.setSecureContext(secureOptions(next)),
    close: () => closeAll(server, sessions, h1Connections),
  };
}

/** The HTTP/2 sessions a server has open (close() ends them: the server would wait for them). */
function openSessions(server: http2.Http2Server | http2.Http2SecureServer): Set<http2.ServerHttp2Session> {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  return sessions;
}

/** Listens on `port` (0: any free one) of `host`; resolves with the port bound. */
async function bind(server: net.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function secureOptions(tls: ServerTls) {
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: "TLSv1.2" as const,
    ALPNProtocols: ["h2", "http/1.1"],
    ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Stops accepting; ends sessions and idle HTTP/1.1 connections, the rest after 2 s. */
async function closeAll(
  server: { close(callback: () => void): unknown },
  sessions: Set<http2.ServerHttp2Session>,
  h1Connections: Http1Connections,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Neither server closes what it holds by itself: end sessions and idle connections.
  for (const session of sessions) session.close();
  h1Connections.closeWhenIdle();
  const force = setTimeout(() => {
    for (const session of sessions) session.destroy();
    h1Connections.destroyAll();
  }, 2000);
  await closed;
  clearTimeout(force);
}

/**
 * Hands the socket to the server its first bytes call for, those bytes first: put
 * back in the stream for HTTP/2 (its session reads the stream), emitted as data for
 * HTTP/1.1 (its parser listens to data events and would not see bytes put back).
 */
function route(
  socket: Socket,
  h2: http2.Http2Server,
  h1: http.Server,
  h1Connections: Http1Connections,
): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const compared = Math.min(head.length, PREFACE.length);
    const isHttp2 = head.subarray(0, compared).equals(PREFACE.subarray(0, compared));
    // Undecided while what came so far is a start of the preface.
    if (isHttp2 && compared < PREFACE.length) return;
    socket.off("data", onData);
    socket.off("timeout", drop);
    socket.setTimeout(0);
    if (isHttp2) {
      socket.pause();
      socket.unshift(head);
      h2.emit("connection", socket);
    } else {
      h1Connections.add(socket);
      h1.emit("connection", socket);
      socket.emit("data", head);
    }
  };
  // A connection that does not say which protocol it speaks is not kept.
  const drop = () => socket.destroy();
  socket.on("data", onData);
  socket.on("error", drop);
  socket.setTimeout(UNDECIDED_TIMEOUT_MS);
  socket.on("timeout", drop);
}

/**
 * The HTTP/1.1 connections and how many requests each is answering: the HTTP server
 * tracks only connections it accepted itself (closeIdleConnections does nothing for
 * those handed to it), and a client's idle keep-alive connection would hold close().
 */
class Http1Connections {
  private readonly busy = new Map<Socket, number>();
  private closing = false;

  constructor(server: http.Server | http2.Http2SecureServer) {
    server.on("request", (request: IncomingMessage | Http2ServerRequest, response: ServerResponse) => {
      // A secure server answers both versions: only HTTP/1.1 requests hold a connection of their own.
      if (request.httpVersionMajor !== 1) return;
      const socket = request.socket as Socket;
      this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
      response.once("close", () => {
        const left = (this.busy.get(socket) ?? 1) - 1;
        this.busy.set(socket, left);
        if (this.closing && left === 0) socket.destroy();
      });
    });
  }

  add(socket: Socket): void {
    this.busy.set(socket, 0);
    socket.once("close", () => this.busy.delete(socket));
  }

  /** Ends the idle connections now, the others once their last answer is sent. */
  closeWhenIdle(): void {
    this.closing = true;
    for (const [socket, requests] of this.busy) if (requests === 0) socket.destroy();
  }

  destroyAll(): void {
    for (const socket of this.busy.keys()) socket.destroy();
  }
}
