"""Every call names the protocol and the SDK (the orchestrator refuses another protocol)."""

from __future__ import annotations

from concurrent import futures
from typing import Any

import grpc

from nenc._impl.clients import PROTOCOL_VERSION, SDK_NAME, Clients
from nenc.v1 import event_service_pb2 as event_pb
from nenc.v1 import event_service_pb2_grpc


class _Recorder(event_service_pb2_grpc.EventServiceServicer):  # type: ignore[misc]
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def EmitEvent(self, request: event_pb.EmitEventRequest, context: Any) -> event_pb.EmitEventResponse:
        self.seen.append(dict(context.invocation_metadata()))
        return event_pb.EmitEventResponse(event_id="evt_1")


def test_every_call_names_the_protocol_and_the_sdk() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    recorder = _Recorder()
    event_service_pb2_grpc.add_EventServiceServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    clients = Clients(f"http://127.0.0.1:{port}")
    try:
        clients.emit_event(event_pb.EmitEventRequest(code="c"))
    finally:
        clients.close()
        server.stop(None)
    assert (PROTOCOL_VERSION, SDK_NAME) == ("1", "python/0.1.0")
    assert [(seen["nenc-protocol"], seen["nenc-sdk"]) for seen in recorder.seen] == [("1", "python/0.1.0")]
