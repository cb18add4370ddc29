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

class StatusContext(_message.Message):
    __slots__ = ("invocation_id", "task_id", "arguments", "status", "timestamp")
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    invocation_id: str
    task_id: str
    arguments: _struct_pb2.Struct
    status: _invocation_pb2.InvocationStatus
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, invocation_id: _Optional[str] = ..., task_id: _Optional[str] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., status: _Optional[_Union[_invocation_pb2.InvocationStatus, str]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResultContext(_message.Message):
    __slots__ = ("invocation_id", "task_id", "arguments", "status", "timestamp", "result")
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    invocation_id: str
    task_id: str
    arguments: _struct_pb2.Struct
    status: _invocation_pb2.InvocationStatus
    timestamp: _timestamp_pb2.Timestamp
    result: _struct_pb2.Value
    def __init__(self, invocation_id: _Optional[str] = ..., task_id: _Optional[str] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., status: _Optional[_Union[_invocation_pb2.InvocationStatus, str]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ExceptionContext(_message.Message):
    __slots__ = ("invocation_id", "task_id", "arguments", "status", "timestamp", "exception_type", "exception_message", "exception_chain", "stack")
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_CHAIN_FIELD_NUMBER: _ClassVar[int]
    STACK_FIELD_NUMBER: _ClassVar[int]
    invocation_id: str
    task_id: str
    arguments: _struct_pb2.Struct
    status: _invocation_pb2.InvocationStatus
    timestamp: _timestamp_pb2.Timestamp
    exception_type: str
    exception_message: str
    exception_chain: _containers.RepeatedScalarFieldContainer[str]
    stack: str
    def __init__(self, invocation_id: _Optional[str] = ..., task_id: _Optional[str] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., status: _Optional[_Union[_invocation_pb2.InvocationStatus, str]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., exception_type: _Optional[str] = ..., exception_message: _Optional[str] = ..., exception_chain: _Optional[_Iterable[str]] = ..., stack: _Optional[str] = ...) -> None: ...

class EventContext(_message.Message):
    __slots__ = ("event_id", "event_code", "payload", "timestamp")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_CODE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_code: str
    payload: _struct_pb2.Struct
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., event_code: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CronContext(_message.Message):
    __slots__ = ("scheduled_time", "fired_at", "last_scheduled_time")
    SCHEDULED_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SCHEDULED_TIME_FIELD_NUMBER: _ClassVar[int]
    scheduled_time: _timestamp_pb2.Timestamp
    fired_at: _timestamp_pb2.Timestamp
    last_scheduled_time: _timestamp_pb2.Timestamp
    def __init__(self, scheduled_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_scheduled_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TriggerContext(_message.Message):
    __slots__ = ("status", "result", "exception", "event", "cron")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CRON_FIELD_NUMBER: _ClassVar[int]
    status: StatusContext
    result: ResultContext
    exception: ExceptionContext
    event: EventContext
    cron: CronContext
    def __init__(self, status: _Optional[_Union[StatusContext, _Mapping]] = ..., result: _Optional[_Union[ResultContext, _Mapping]] = ..., exception: _Optional[_Union[ExceptionContext, _Mapping]] = ..., event: _Optional[_Union[EventContext, _Mapping]] = ..., cron: _Optional[_Union[CronContext, _Mapping]] = ...) -> None: ...
