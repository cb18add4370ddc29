import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nenc.v1 import invocation_pb2 as _invocation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetActivityRequest(_message.Message):
    __slots__ = ("window_ms",)
    WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    window_ms: int
    def __init__(self, window_ms: _Optional[int] = ...) -> None: ...

class GetActivityResponse(_message.Message):
    __slots__ = ("bucket_ms", "buckets")
    BUCKET_MS_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    bucket_ms: int
    buckets: _containers.RepeatedCompositeFieldContainer[ActivityBucket]
    def __init__(self, bucket_ms: _Optional[int] = ..., buckets: _Optional[_Iterable[_Union[ActivityBucket, _Mapping]]] = ...) -> None: ...

class ActivityBucket(_message.Message):
    __slots__ = ("start", "succeeded", "failed")
    START_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    succeeded: int
    failed: int
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., succeeded: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class InvokeRequest(_message.Message):
    __slots__ = ("task_id", "arguments", "idempotency_key", "traceparent")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    arguments: _struct_pb2.Value
    idempotency_key: str
    traceparent: str
    def __init__(self, task_id: _Optional[str] = ..., arguments: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., traceparent: _Optional[str] = ...) -> None: ...

class InvokeResponse(_message.Message):
    __slots__ = ("invocation", "duplicate")
    INVOCATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    invocation: _invocation_pb2.Invocation
    duplicate: bool
    def __init__(self, invocation: _Optional[_Union[_invocation_pb2.Invocation, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetInvocationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetInvocationResponse(_message.Message):
    __slots__ = ("invocation", "attempts")
    INVOCATION_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    invocation: _invocation_pb2.Invocation
    attempts: _containers.RepeatedCompositeFieldContainer[_invocation_pb2.Attempt]
    def __init__(self, invocation: _Optional[_Union[_invocation_pb2.Invocation, _Mapping]] = ..., attempts: _Optional[_Iterable[_Union[_invocation_pb2.Attempt, _Mapping]]] = ...) -> None: ...

class ListInvocationsRequest(_message.Message):
    __slots__ = ("task_id", "status", "trigger_id", "page_size", "page_token")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    status: _invocation_pb2.InvocationStatus
    trigger_id: str
    page_size: int
    page_token: str
    def __init__(self, task_id: _Optional[str] = ..., status: _Optional[_Union[_invocation_pb2.InvocationStatus, str]] = ..., trigger_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListInvocationsResponse(_message.Message):
    __slots__ = ("invocations", "next_page_token")
    INVOCATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invocations: _containers.RepeatedCompositeFieldContainer[_invocation_pb2.Invocation]
    next_page_token: str
    def __init__(self, invocations: _Optional[_Iterable[_Union[_invocation_pb2.Invocation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AwaitInvocationRequest(_message.Message):
    __slots__ = ("id", "timeout_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    timeout_ms: int
    def __init__(self, id: _Optional[str] = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class AwaitInvocationResponse(_message.Message):
    __slots__ = ("invocation", "done")
    INVOCATION_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    invocation: _invocation_pb2.Invocation
    done: bool
    def __init__(self, invocation: _Optional[_Union[_invocation_pb2.Invocation, _Mapping]] = ..., done: _Optional[bool] = ...) -> None: ...

class WatchInvocationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchInvocationResponse(_message.Message):
    __slots__ = ("invocation",)
    INVOCATION_FIELD_NUMBER: _ClassVar[int]
    invocation: _invocation_pb2.Invocation
    def __init__(self, invocation: _Optional[_Union[_invocation_pb2.Invocation, _Mapping]] = ...) -> None: ...

class SessionRequest(_message.Message):
    __slots__ = ("invoke", "watch")
    INVOKE_FIELD_NUMBER: _ClassVar[int]
    WATCH_FIELD_NUMBER: _ClassVar[int]
    invoke: SessionInvoke
    watch: SessionWatch
    def __init__(self, invoke: _Optional[_Union[SessionInvoke, _Mapping]] = ..., watch: _Optional[_Union[SessionWatch, _Mapping]] = ...) -> None: ...

class SessionInvoke(_message.Message):
    __slots__ = ("request_id", "invoke")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INVOKE_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    invoke: InvokeRequest
    def __init__(self, request_id: _Optional[int] = ..., invoke: _Optional[_Union[InvokeRequest, _Mapping]] = ...) -> None: ...

class SessionWatch(_message.Message):
    __slots__ = ("invocation_id",)
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    invocation_id: str
    def __init__(self, invocation_id: _Optional[str] = ...) -> None: ...

class SessionResponse(_message.Message):
    __slots__ = ("invoked", "finished")
    INVOKED_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    invoked: SessionInvoked
    finished: SessionFinished
    def __init__(self, invoked: _Optional[_Union[SessionInvoked, _Mapping]] = ..., finished: _Optional[_Union[SessionFinished, _Mapping]] = ...) -> None: ...

class SessionInvoked(_message.Message):
    __slots__ = ("request_id", "response", "error_code", "error_message")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    response: InvokeResponse
    error_code: str
    error_message: str
    def __init__(self, request_id: _Optional[int] = ..., response: _Optional[_Union[InvokeResponse, _Mapping]] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...

class SessionFinished(_message.Message):
    __slots__ = ("invocation", "invocation_id", "error_code", "error_message")
    INVOCATION_FIELD_NUMBER: _ClassVar[int]
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    invocation: _invocation_pb2.Invocation
    invocation_id: str
    error_code: str
    error_message: str
    def __init__(self, invocation: _Optional[_Union[_invocation_pb2.Invocation, _Mapping]] = ..., invocation_id: _Optional[str] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...
