import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InvocationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOCATION_STATUS_UNSPECIFIED: _ClassVar[InvocationStatus]
    REGISTERED: _ClassVar[InvocationStatus]
    PENDING: _ClassVar[InvocationStatus]
    RUNNING: _ClassVar[InvocationStatus]
    SUCCESS: _ClassVar[InvocationStatus]
    FAILED: _ClassVar[InvocationStatus]
    RETRY: _ClassVar[InvocationStatus]
INVOCATION_STATUS_UNSPECIFIED: InvocationStatus
REGISTERED: InvocationStatus
PENDING: InvocationStatus
RUNNING: InvocationStatus
SUCCESS: InvocationStatus
FAILED: InvocationStatus
RETRY: InvocationStatus

class TaskError(_message.Message):
    __slots__ = ("type", "message", "chain", "stack")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    STACK_FIELD_NUMBER: _ClassVar[int]
    type: str
    message: str
    chain: _containers.RepeatedScalarFieldContainer[str]
    stack: str
    def __init__(self, type: _Optional[str] = ..., message: _Optional[str] = ..., chain: _Optional[_Iterable[str]] = ..., stack: _Optional[str] = ...) -> None: ...

class Provenance(_message.Message):
    __slots__ = ("trigger_id", "occurrence_ids", "source_invocation_ids", "event_ids")
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_INVOCATION_IDS_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    trigger_id: str
    occurrence_ids: _containers.RepeatedScalarFieldContainer[str]
    source_invocation_ids: _containers.RepeatedScalarFieldContainer[str]
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, trigger_id: _Optional[str] = ..., occurrence_ids: _Optional[_Iterable[str]] = ..., source_invocation_ids: _Optional[_Iterable[str]] = ..., event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Attempt(_message.Message):
    __slots__ = ("attempt", "worker_id", "assigned_at", "ended_at", "outcome", "error")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    worker_id: str
    assigned_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    outcome: InvocationStatus
    error: TaskError
    def __init__(self, attempt: _Optional[int] = ..., worker_id: _Optional[str] = ..., assigned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[InvocationStatus, str]] = ..., error: _Optional[_Union[TaskError, _Mapping]] = ...) -> None: ...

class Invocation(_message.Message):
    __slots__ = ("id", "task_id", "status", "arguments", "result", "error", "attempt", "app_id", "provenance", "created_at", "updated_at", "worker_id", "traceparent")
    ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    task_id: str
    status: InvocationStatus
    arguments: _struct_pb2.Struct
    result: _struct_pb2.Value
    error: TaskError
    attempt: int
    app_id: str
    provenance: Provenance
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    worker_id: str
    traceparent: str
    def __init__(self, id: _Optional[str] = ..., task_id: _Optional[str] = ..., status: _Optional[_Union[InvocationStatus, str]] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., error: _Optional[_Union[TaskError, _Mapping]] = ..., attempt: _Optional[int] = ..., app_id: _Optional[str] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., worker_id: _Optional[str] = ..., traceparent: _Optional[str] = ...) -> None: ...
