import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nenc.v1 import invocation_pb2 as _invocation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TriggerLogic(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_LOGIC_UNSPECIFIED: _ClassVar[TriggerLogic]
    TRIGGER_LOGIC_AND: _ClassVar[TriggerLogic]
    TRIGGER_LOGIC_OR: _ClassVar[TriggerLogic]

class TriggerOrigin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_ORIGIN_UNSPECIFIED: _ClassVar[TriggerOrigin]
    TRIGGER_ORIGIN_DECLARED: _ClassVar[TriggerOrigin]
    TRIGGER_ORIGIN_RUNTIME: _ClassVar[TriggerOrigin]

class MisfirePolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MISFIRE_POLICY_UNSPECIFIED: _ClassVar[MisfirePolicy]
    MISFIRE_POLICY_SKIP: _ClassVar[MisfirePolicy]
    MISFIRE_POLICY_ONCE: _ClassVar[MisfirePolicy]
    MISFIRE_POLICY_ALL: _ClassVar[MisfirePolicy]

class RepeatedHourPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPEATED_HOUR_POLICY_UNSPECIFIED: _ClassVar[RepeatedHourPolicy]
    REPEATED_HOUR_POLICY_ONCE: _ClassVar[RepeatedHourPolicy]
    REPEATED_HOUR_POLICY_TWICE: _ClassVar[RepeatedHourPolicy]

class SkippedHourPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SKIPPED_HOUR_POLICY_UNSPECIFIED: _ClassVar[SkippedHourPolicy]
    SKIPPED_HOUR_POLICY_SHIFT: _ClassVar[SkippedHourPolicy]
    SKIPPED_HOUR_POLICY_SKIP: _ClassVar[SkippedHourPolicy]

class ContextKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTEXT_KIND_UNSPECIFIED: _ClassVar[ContextKind]
    CONTEXT_KIND_STATUS: _ClassVar[ContextKind]
    CONTEXT_KIND_RESULT: _ClassVar[ContextKind]
    CONTEXT_KIND_EXCEPTION: _ClassVar[ContextKind]
    CONTEXT_KIND_EVENT: _ClassVar[ContextKind]
    CONTEXT_KIND_CRON: _ClassVar[ContextKind]
TRIGGER_LOGIC_UNSPECIFIED: TriggerLogic
TRIGGER_LOGIC_AND: TriggerLogic
TRIGGER_LOGIC_OR: TriggerLogic
TRIGGER_ORIGIN_UNSPECIFIED: TriggerOrigin
TRIGGER_ORIGIN_DECLARED: TriggerOrigin
TRIGGER_ORIGIN_RUNTIME: TriggerOrigin
MISFIRE_POLICY_UNSPECIFIED: MisfirePolicy
MISFIRE_POLICY_SKIP: MisfirePolicy
MISFIRE_POLICY_ONCE: MisfirePolicy
MISFIRE_POLICY_ALL: MisfirePolicy
REPEATED_HOUR_POLICY_UNSPECIFIED: RepeatedHourPolicy
REPEATED_HOUR_POLICY_ONCE: RepeatedHourPolicy
REPEATED_HOUR_POLICY_TWICE: RepeatedHourPolicy
SKIPPED_HOUR_POLICY_UNSPECIFIED: SkippedHourPolicy
SKIPPED_HOUR_POLICY_SHIFT: SkippedHourPolicy
SKIPPED_HOUR_POLICY_SKIP: SkippedHourPolicy
CONTEXT_KIND_UNSPECIFIED: ContextKind
CONTEXT_KIND_STATUS: ContextKind
CONTEXT_KIND_RESULT: ContextKind
CONTEXT_KIND_EXCEPTION: ContextKind
CONTEXT_KIND_EVENT: ContextKind
CONTEXT_KIND_CRON: ContextKind

class Trigger(_message.Message):
    __slots__ = ("id", "target_task_id", "conditions", "logic", "argument_providers", "join", "app_id", "origin", "paused", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    LOGIC_FIELD_NUMBER: _ClassVar[int]
    ARGUMENT_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    JOIN_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    target_task_id: str
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    logic: TriggerLogic
    argument_providers: _containers.RepeatedCompositeFieldContainer[ArgumentProvider]
    join: JoinOptions
    app_id: str
    origin: TriggerOrigin
    paused: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., target_task_id: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ..., logic: _Optional[_Union[TriggerLogic, str]] = ..., argument_providers: _Optional[_Iterable[_Union[ArgumentProvider, _Mapping]]] = ..., join: _Optional[_Union[JoinOptions, _Mapping]] = ..., app_id: _Optional[str] = ..., origin: _Optional[_Union[TriggerOrigin, str]] = ..., paused: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class JoinOptions(_message.Message):
    __slots__ = ("within_ms", "correlation_key", "max_pending")
    WITHIN_MS_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_PENDING_FIELD_NUMBER: _ClassVar[int]
    within_ms: int
    correlation_key: str
    max_pending: int
    def __init__(self, within_ms: _Optional[int] = ..., correlation_key: _Optional[str] = ..., max_pending: _Optional[int] = ...) -> None: ...

class Condition(_message.Message):
    __slots__ = ("cron", "status", "result", "exception", "event")
    CRON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    cron: CronCondition
    status: StatusCondition
    result: ResultCondition
    exception: ExceptionCondition
    event: EventCondition
    def __init__(self, cron: _Optional[_Union[CronCondition, _Mapping]] = ..., status: _Optional[_Union[StatusCondition, _Mapping]] = ..., result: _Optional[_Union[ResultCondition, _Mapping]] = ..., exception: _Optional[_Union[ExceptionCondition, _Mapping]] = ..., event: _Optional[_Union[EventCondition, _Mapping]] = ...) -> None: ...

class CronCondition(_message.Message):
    __slots__ = ("expression", "timezone", "misfire", "catch_up_window_ms", "repeated_hour", "skipped_hour")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    MISFIRE_FIELD_NUMBER: _ClassVar[int]
    CATCH_UP_WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    REPEATED_HOUR_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_HOUR_FIELD_NUMBER: _ClassVar[int]
    expression: str
    timezone: str
    misfire: MisfirePolicy
    catch_up_window_ms: int
    repeated_hour: RepeatedHourPolicy
    skipped_hour: SkippedHourPolicy
    def __init__(self, expression: _Optional[str] = ..., timezone: _Optional[str] = ..., misfire: _Optional[_Union[MisfirePolicy, str]] = ..., catch_up_window_ms: _Optional[int] = ..., repeated_hour: _Optional[_Union[RepeatedHourPolicy, str]] = ..., skipped_hour: _Optional[_Union[SkippedHourPolicy, str]] = ...) -> None: ...

class StatusCondition(_message.Message):
    __slots__ = ("task_id", "statuses", "call_arguments")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CALL_ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    statuses: _containers.RepeatedScalarFieldContainer[_invocation_pb2.InvocationStatus]
    call_arguments: Filter
    def __init__(self, task_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_invocation_pb2.InvocationStatus, str]]] = ..., call_arguments: _Optional[_Union[Filter, _Mapping]] = ...) -> None: ...

class ResultCondition(_message.Message):
    __slots__ = ("task_id", "filter_result", "call_arguments")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_RESULT_FIELD_NUMBER: _ClassVar[int]
    CALL_ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    filter_result: Filter
    call_arguments: Filter
    def __init__(self, task_id: _Optional[str] = ..., filter_result: _Optional[_Union[Filter, _Mapping]] = ..., call_arguments: _Optional[_Union[Filter, _Mapping]] = ...) -> None: ...

class ExceptionCondition(_message.Message):
    __slots__ = ("task_id", "exception_types", "call_arguments")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_TYPES_FIELD_NUMBER: _ClassVar[int]
    CALL_ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    exception_types: _containers.RepeatedScalarFieldContainer[str]
    call_arguments: Filter
    def __init__(self, task_id: _Optional[str] = ..., exception_types: _Optional[_Iterable[str]] = ..., call_arguments: _Optional[_Union[Filter, _Mapping]] = ...) -> None: ...

class EventCondition(_message.Message):
    __slots__ = ("code", "payload_filter")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FILTER_FIELD_NUMBER: _ClassVar[int]
    code: str
    payload_filter: Filter
    def __init__(self, code: _Optional[str] = ..., payload_filter: _Optional[_Union[Filter, _Mapping]] = ...) -> None: ...

class Filter(_message.Message):
    __slots__ = ("value", "cel", "function")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CEL_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    value: _struct_pb2.Value
    cel: str
    function: str
    def __init__(self, value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., cel: _Optional[str] = ..., function: _Optional[str] = ...) -> None: ...

class ArgumentProvider(_message.Message):
    __slots__ = ("static", "cel", "function")
    STATIC_FIELD_NUMBER: _ClassVar[int]
    CEL_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    static: _struct_pb2.Value
    cel: str
    function: FunctionProvider
    def __init__(self, static: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., cel: _Optional[str] = ..., function: _Optional[_Union[FunctionProvider, _Mapping]] = ...) -> None: ...

class FunctionProvider(_message.Message):
    __slots__ = ("function", "context")
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    function: str
    context: ContextKind
    def __init__(self, function: _Optional[str] = ..., context: _Optional[_Union[ContextKind, str]] = ...) -> None: ...
