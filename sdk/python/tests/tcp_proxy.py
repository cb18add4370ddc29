"""A loopback TCP proxy for breaking one side of a connection in tests."""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server.

    ``cut_clients()`` drops the connections clients made while the server still sees
    them open (a network path that died); while ``refusing`` is set, new connections
    are closed as soon as they arrive.
    """

    def __init__(self, target_port: int) -> None:
        self.refusing = False
        self.refused = 0
        self._target_port = target_port
        self._clients: set[socket.socket] = set()
        self._upstreams: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_clients(self) -> None:
        with self._lock:
            clients = list(self._clients)
            self._clients.clear()
        for client in clients:
            client.close()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            sockets = [*self._clients, *self._upstreams]
        for each in sockets:
            each.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refusing:
                self.refused += 1
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self._target_port))
            with self._lock:
                self._clients.add(client)
                self._upstreams.add(upstream)
            # A cut client leaves its upstream open: only the server's side ends it.
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket, close_target: bool) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        if close_target:
            target.close()
