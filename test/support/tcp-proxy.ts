import net from "node:net";

/**
 * A loopback TCP proxy in front of a server, for breaking connections on one side
 * only: `cutClients()` drops the connections its clients made while the server
 * still sees them open (a network path that died), and `refusing` makes it hang up
 * on new connections at once. While `droppingReplies` is true, what the server sends
 * is thrown away: the requests arrive and run, their replies never come back.
 */
export interface TcpProxy {
  readonly url: string;
  /** While true, new connections are closed as soon as they arrive. */
  refusing: boolean;
  /** While true, data from the server is discarded instead of forwarded. */
  droppingReplies: boolean;
  /** Connections closed because of `refusing`. */
  readonly refused: number;
  cutClients(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const clients = new Set<net.Socket>();
  const upstreams = new Set<net.Socket>();
  let refused = 0;
  const server = net.createServer((client) => {
    if (proxy.refusing) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    clients.add(client);
    upstreams.add(upstream);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (!proxy.droppingReplies && !client.destroyed) client.write(chunk);
    });
    upstream.on("end", () => client.end());
    client.on("close", () => clients.delete(client));
    upstream.on("close", () => upstreams.delete(upstream));
    // A cut client must not end its upstream: unpipe before anything propagates.
    client.on("error", () => {});
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    refusing: false,
    droppingReplies: false,
    get refused() {
      return refused;
    },
    cutClients() {
      for (const client of clients) {
        client.unpipe();
        client.destroy();
      }
    },
    async close() {
      for (const socket of [...clients, ...upstreams]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
