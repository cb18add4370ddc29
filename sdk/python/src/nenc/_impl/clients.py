"""One gRPC channel to the orchestrator and typed calls over the generated stubs.

The generated ``*_pb2_grpc`` modules are untyped; every call goes through
:func:`_unary`, which checks the response type and turns ``grpc.RpcError`` into
the SDK's typed errors, so nothing above this module sees gRPC.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, Protocol, TypeVar, cast
from urllib.parse import urlsplit

import grpc
from google.protobuf.message import Message

from nenc._impl.errors import error_from_rpc
from nenc.v1 import app_service_pb2 as app_pb
from nenc.v1 import (
    app_service_pb2_grpc,
    event_service_pb2_grpc,
    invocation_service_pb2_grpc,
    trigger_service_pb2_grpc,
    worker_service_pb2_grpc,
)
from nenc.v1 import event_service_pb2 as event_pb
from nenc.v1 import invocation_service_pb2 as invocation_pb
from nenc.v1 import trigger_service_pb2 as trigger_pb
from nenc.v1 import worker_service_pb2 as worker_pb

_Response = TypeVar("_Response", bound=Message)

# This SDK and its version, and the wire protocol it speaks: named on every call (the
# orchestrator refuses another protocol with FAILED_PRECONDITION naming both) and in
# the worker's hello.
SDK_NAME = "python/0.1.0"
PROTOCOL_VERSION = "1"
_IDENTITY = (("nenc-protocol", PROTOCOL_VERSION), ("nenc-sdk", SDK_NAME))

DEFAULT_TIMEOUT_S = 30.0

# Reconnect within seconds after the orchestrator comes back (gRPC's default backoff grows to
# 2 minutes). Not grpc.min_reconnect_backoff_ms: it is also the connect timeout (20 s by default).
_CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 5000),
]


class _CallIterator(Protocol):
    """What grpc returns for a bidirectional call."""

    def __iter__(self) -> Iterator[worker_pb.ConnectResponse]: ...

    def cancel(self) -> bool: ...


class WorkerStream:
    """The response side of WorkerService/Connect; errors surface as NencError."""

    def __init__(self, call: _CallIterator, target: str) -> None:
        self._call = call
        self._target = target

    def __iter__(self) -> Iterator[worker_pb.ConnectResponse]:
        try:
            yield from self._call
        except grpc.RpcError as error:
            raise error_from_rpc(error, self._target) from None

    def cancel(self) -> None:
        self._call.cancel()


def tls_credentials(env: Mapping[str, str] | None = None) -> grpc.ChannelCredentials:
    """Credentials for an ``https://`` orchestrator: the CA to trust (``NENC_TLS_CA``;
    default the system's) and, for mTLS, the client certificate and key
    (``NENC_TLS_CLIENT_CERT``, ``NENC_TLS_CLIENT_KEY``), each a PEM file path."""
    variables = os.environ if env is None else env

    def read(name: str) -> bytes | None:
        path = variables.get(name)
        if not path:
            return None
        try:
            with open(path, "rb") as file:
                return file.read()
        except OSError as error:
            raise ValueError(f"{name}: cannot read {path} ({error.strerror})") from None

    ca, cert, key = read("NENC_TLS_CA"), read("NENC_TLS_CLIENT_CERT"), read("NENC_TLS_CLIENT_KEY")
    if (cert is None) != (key is None):
        raise ValueError(
            "NENC_TLS_CLIENT_CERT and NENC_TLS_CLIENT_KEY go together: set both (mTLS) or neither"
        )
    return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)


def parse_url(url: str) -> tuple[str, bool]:
    """``http://host:port`` (or ``host:port``) as a gRPC target and whether it uses TLS."""
    raw = url.strip()
    parts = urlsplit(raw if "://" in raw else f"http://{raw}")
    if parts.scheme not in ("http", "https"):
        raise ValueError(f'url: "{url}" must start with http:// or https://')
    if not parts.hostname:
        raise ValueError(f'url: "{url}" has no host; expected e.g. http://127.0.0.1:7070')
    if parts.path not in ("", "/") or parts.query:
        raise ValueError(
            f'url: "{url}" has a path; the orchestrator serves at the root, e.g. http://host:7070'
        )
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{port}", secure


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


class _Identify(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds the protocol and SDK headers, and the bearer token when there is one, to every call."""

    def __init__(self, token: str | None) -> None:
        self._headers = (*_IDENTITY, ("authorization", f"Bearer {token}")) if token else _IDENTITY

    def _named(self, details: Any) -> _CallDetails:
        return _CallDetails(
            details.method,
            details.timeout,
            [*(details.metadata or ()), *self._headers],
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._named(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._named(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._named(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._named(details), requests)


class Clients:
    """Typed calls of every nenc service over one channel."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.target, secure = parse_url(url)
        channel = (
            grpc.secure_channel(self.target, tls_credentials(), _CHANNEL_OPTIONS)
            if secure
            else grpc.insecure_channel(self.target, _CHANNEL_OPTIONS)
        )
        self._channel = grpc.intercept_channel(channel, _Identify(token))
        self._apps = app_service_pb2_grpc.AppServiceStub(self._channel)
        self._invocations = invocation_service_pb2_grpc.InvocationServiceStub(self._channel)
        self._events = event_service_pb2_grpc.EventServiceStub(self._channel)
        self._triggers = trigger_service_pb2_grpc.TriggerServiceStub(self._channel)
        self._workers = worker_service_pb2_grpc.WorkerServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def _unary(
        self,
        method: Callable[..., object],
        request: Message,
        response_type: type[_Response],
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> _Response:
        try:
            response = method(request, timeout=timeout)
        except grpc.RpcError as error:
            raise error_from_rpc(error, self.target) from None
        if not isinstance(response, response_type):
            raise TypeError(f"expected {response_type.__name__}, got {type(response).__name__}")
        return response

    # AppService
    def register_app(self, request: app_pb.RegisterAppRequest) -> app_pb.RegisterAppResponse:
        return self._unary(self._apps.RegisterApp, request, app_pb.RegisterAppResponse)

    # InvocationService
    def invoke(self, request: invocation_pb.InvokeRequest) -> invocation_pb.InvokeResponse:
        return self._unary(self._invocations.Invoke, request, invocation_pb.InvokeResponse)

    def get_invocation(
        self, request: invocation_pb.GetInvocationRequest
    ) -> invocation_pb.GetInvocationResponse:
        return self._unary(self._invocations.GetInvocation, request, invocation_pb.GetInvocationResponse)

    def list_invocations(
        self, request: invocation_pb.ListInvocationsRequest
    ) -> invocation_pb.ListInvocationsResponse:
        return self._unary(self._invocations.ListInvocations, request, invocation_pb.ListInvocationsResponse)

    def await_invocation(
        self, request: invocation_pb.AwaitInvocationRequest
    ) -> invocation_pb.AwaitInvocationResponse:
        # The orchestrator answers by timeout_ms at the latest; the deadline leaves it room.
        timeout = request.timeout_ms / 1000 + 10
        return self._unary(
            self._invocations.AwaitInvocation, request, invocation_pb.AwaitInvocationResponse, timeout
        )

    # EventService
    def emit_event(self, request: event_pb.EmitEventRequest) -> event_pb.EmitEventResponse:
        return self._unary(self._events.EmitEvent, request, event_pb.EmitEventResponse)

    def list_events(self, request: event_pb.ListEventsRequest) -> event_pb.ListEventsResponse:
        return self._unary(self._events.ListEvents, request, event_pb.ListEventsResponse)

    def replay_events(self, request: event_pb.ReplayEventsRequest) -> event_pb.ReplayEventsResponse:
        return self._unary(self._events.ReplayEvents, request, event_pb.ReplayEventsResponse)

    # TriggerService
    def create_trigger(self, request: trigger_pb.CreateTriggerRequest) -> trigger_pb.CreateTriggerResponse:
        return self._unary(self._triggers.CreateTrigger, request, trigger_pb.CreateTriggerResponse)

    def get_trigger(self, request: trigger_pb.GetTriggerRequest) -> trigger_pb.GetTriggerResponse:
        return self._unary(self._triggers.GetTrigger, request, trigger_pb.GetTriggerResponse)

    def list_triggers(self, request: trigger_pb.ListTriggersRequest) -> trigger_pb.ListTriggersResponse:
        return self._unary(self._triggers.ListTriggers, request, trigger_pb.ListTriggersResponse)

    def pause_trigger(self, request: trigger_pb.PauseTriggerRequest) -> trigger_pb.PauseTriggerResponse:
        return self._unary(self._triggers.PauseTrigger, request, trigger_pb.PauseTriggerResponse)

    def resume_trigger(self, request: trigger_pb.ResumeTriggerRequest) -> trigger_pb.ResumeTriggerResponse:
        return self._unary(self._triggers.ResumeTrigger, request, trigger_pb.ResumeTriggerResponse)

    def delete_trigger(self, request: trigger_pb.DeleteTriggerRequest) -> trigger_pb.DeleteTriggerResponse:
        return self._unary(self._triggers.DeleteTrigger, request, trigger_pb.DeleteTriggerResponse)

    def explain_trigger(self, request: trigger_pb.ExplainTriggerRequest) -> trigger_pb.ExplainTriggerResponse:
        return self._unary(self._triggers.ExplainTrigger, request, trigger_pb.ExplainTriggerResponse)

    def preview_trigger(self, request: trigger_pb.PreviewTriggerRequest) -> trigger_pb.PreviewTriggerResponse:
        return self._unary(self._triggers.PreviewTrigger, request, trigger_pb.PreviewTriggerResponse)

    def backfill_trigger(
        self, request: trigger_pb.BackfillTriggerRequest
    ) -> trigger_pb.BackfillTriggerResponse:
        return self._unary(self._triggers.BackfillTrigger, request, trigger_pb.BackfillTriggerResponse, 300.0)

    def dry_run_trigger(self, request: trigger_pb.DryRunTriggerRequest) -> trigger_pb.DryRunTriggerResponse:
        return self._unary(self._triggers.DryRunTrigger, request, trigger_pb.DryRunTriggerResponse)

    # WorkerService
    def connect(self, requests: Iterator[worker_pb.ConnectRequest]) -> WorkerStream:
        """Opens the worker stream; its errors surface while iterating its responses."""
        return WorkerStream(cast(_CallIterator, self._workers.Connect(requests)), self.target)
