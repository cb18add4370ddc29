from google.protobuf import struct_pb2 as _struct_pb2
from nenc.v1 import context_pb2 as _context_pb2
from nenc.v1 import invocation_pb2 as _invocation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AbortReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ABORT_REASON_UNSPECIFIED: _ClassVar[AbortReason]
    ABORT_REASON_TIMEOUT: _ClassVar[AbortReason]
    ABORT_REASON_NOT_STARTED: _ClassVar[AbortReason]

class FunctionPurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUNCTION_PURPOSE_UNSPECIFIED: _ClassVar[FunctionPurpose]
    FUNCTION_PURPOSE_FILTER: _ClassVar[FunctionPurpose]
    FUNCTION_PURPOSE_PROVIDER: _ClassVar[FunctionPurpose]
ABORT_REASON_UNSPECIFIED: AbortReason
ABORT_REASON_TIMEOUT: AbortReason
ABORT_REASON_NOT_STARTED: AbortReason
FUNCTION_PURPOSE_UNSPECIFIED: FunctionPurpose
FUNCTION_PURPOSE_FILTER: FunctionPurpose
FUNCTION_PURPOSE_PROVIDER: FunctionPurpose

class ConnectRequest(_message.Message):
    __slots__ = ("hello", "started", "completed", "failed", "heartbeat", "evaluated", "drain", "functions_announced", "reports")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_FIELD_NUMBER: _ClassVar[int]
    DRAIN_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_ANNOUNCED_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    hello: WorkerHello
    started: TaskStarted
    completed: TaskCompleted
    failed: TaskFailed
    heartbeat: Heartbeat
    evaluated: FunctionEvaluated
    drain: Drain
    functions_announced: FunctionsAnnounced
    reports: Reports
    def __init__(self, hello: _Optional[_Union[WorkerHello, _Mapping]] = ..., started: _Optional[_Union[TaskStarted, _Mapping]] = ..., completed: _Optional[_Union[TaskCompleted, _Mapping]] = ..., failed: _Optional[_Union[TaskFailed, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., evaluated: _Optional[_Union[FunctionEvaluated, _Mapping]] = ..., drain: _Optional[_Union[Drain, _Mapping]] = ..., functions_announced: _Optional[_Union[FunctionsAnnounced, _Mapping]] = ..., reports: _Optional[_Union[Reports, _Mapping]] = ...) -> None: ...

class Reports(_message.Message):
    __slots__ = ("started", "completed", "failed")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    started: _containers.RepeatedCompositeFieldContainer[TaskStarted]
    completed: _containers.RepeatedCompositeFieldContainer[TaskCompleted]
    failed: _containers.RepeatedCompositeFieldContainer[TaskFailed]
    def __init__(self, started: _Optional[_Iterable[_Union[TaskStarted, _Mapping]]] = ..., completed: _Optional[_Iterable[_Union[TaskCompleted, _Mapping]]] = ..., failed: _Optional[_Iterable[_Union[TaskFailed, _Mapping]]] = ...) -> None: ...

class WorkerHello(_message.Message):
    __slots__ = ("app_id", "worker_id", "concurrency", "task_ids", "functions", "sdk", "held_assignment_ids", "json_values", "batches", "prefetch")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    SDK_FIELD_NUMBER: _ClassVar[int]
    HELD_ASSIGNMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    JSON_VALUES_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    PREFETCH_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    worker_id: str
    concurrency: int
    task_ids: _containers.RepeatedScalarFieldContainer[str]
    functions: _containers.RepeatedScalarFieldContainer[str]
    sdk: str
    held_assignment_ids: _containers.RepeatedScalarFieldContainer[str]
    json_values: bool
    batches: bool
    prefetch: int
    def __init__(self, app_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., concurrency: _Optional[int] = ..., task_ids: _Optional[_Iterable[str]] = ..., functions: _Optional[_Iterable[str]] = ..., sdk: _Optional[str] = ..., held_assignment_ids: _Optional[_Iterable[str]] = ..., json_values: _Optional[bool] = ..., batches: _Optional[bool] = ..., prefetch: _Optional[int] = ...) -> None: ...

class TaskStarted(_message.Message):
    __slots__ = ("assignment_id",)
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    def __init__(self, assignment_id: _Optional[str] = ...) -> None: ...

class TaskCompleted(_message.Message):
    __slots__ = ("assignment_id", "result", "result_json")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    result: _struct_pb2.Value
    result_json: bytes
    def __init__(self, assignment_id: _Optional[str] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., result_json: _Optional[bytes] = ...) -> None: ...

class TaskFailed(_message.Message):
    __slots__ = ("assignment_id", "error")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    error: _invocation_pb2.TaskError
    def __init__(self, assignment_id: _Optional[str] = ..., error: _Optional[_Union[_invocation_pb2.TaskError, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Drain(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FunctionsAnnounced(_message.Message):
    __slots__ = ("functions",)
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    functions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, functions: _Optional[_Iterable[str]] = ...) -> None: ...

class FunctionEvaluated(_message.Message):
    __slots__ = ("request_id", "value", "error", "value_json")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    VALUE_JSON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    value: _struct_pb2.Value
    error: _invocation_pb2.TaskError
    value_json: bytes
    def __init__(self, request_id: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., error: _Optional[_Union[_invocation_pb2.TaskError, _Mapping]] = ..., value_json: _Optional[bytes] = ...) -> None: ...

class ConnectResponse(_message.Message):
    __slots__ = ("welcome", "assignment", "evaluate", "abort", "assignments")
    WELCOME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    EVALUATE_FIELD_NUMBER: _ClassVar[int]
    ABORT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    welcome: Welcome
    assignment: Assignment
    evaluate: EvaluateFunction
    abort: AbortAssignment
    assignments: Assignments
    def __init__(self, welcome: _Optional[_Union[Welcome, _Mapping]] = ..., assignment: _Optional[_Union[Assignment, _Mapping]] = ..., evaluate: _Optional[_Union[EvaluateFunction, _Mapping]] = ..., abort: _Optional[_Union[AbortAssignment, _Mapping]] = ..., assignments: _Optional[_Union[Assignments, _Mapping]] = ...) -> None: ...

class Assignments(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Assignment]
    def __init__(self, items: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ...) -> None: ...

class Welcome(_message.Message):
    __slots__ = ("worker_id", "heartbeat_interval_ms", "lease_ms", "max_payload_bytes", "max_json_depth", "json_values", "batches")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    LEASE_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_PAYLOAD_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_JSON_DEPTH_FIELD_NUMBER: _ClassVar[int]
    JSON_VALUES_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    heartbeat_interval_ms: int
    lease_ms: int
    max_payload_bytes: int
    max_json_depth: int
    json_values: bool
    batches: bool
    def __init__(self, worker_id: _Optional[str] = ..., heartbeat_interval_ms: _Optional[int] = ..., lease_ms: _Optional[int] = ..., max_payload_bytes: _Optional[int] = ..., max_json_depth: _Optional[int] = ..., json_values: _Optional[bool] = ..., batches: _Optional[bool] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("assignment_id", "invocation_id", "task_id", "arguments", "attempt", "arguments_json", "traceparent")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    invocation_id: str
    task_id: str
    arguments: _struct_pb2.Struct
    attempt: int
    arguments_json: bytes
    traceparent: str
    def __init__(self, assignment_id: _Optional[str] = ..., invocation_id: _Optional[str] = ..., task_id: _Optional[str] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., attempt: _Optional[int] = ..., arguments_json: _Optional[bytes] = ..., traceparent: _Optional[str] = ...) -> None: ...

class AbortAssignment(_message.Message):
    __slots__ = ("assignment_id", "reason", "message")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    reason: AbortReason
    message: str
    def __init__(self, assignment_id: _Optional[str] = ..., reason: _Optional[_Union[AbortReason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class EvaluateFunction(_message.Message):
    __slots__ = ("request_id", "function", "purpose", "value", "context", "contexts", "trigger_id", "value_json")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CONTEXTS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_JSON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    function: str
    purpose: FunctionPurpose
    value: _struct_pb2.Value
    context: _context_pb2.TriggerContext
    contexts: _containers.RepeatedCompositeFieldContainer[_context_pb2.TriggerContext]
    trigger_id: str
    value_json: bytes
    def __init__(self, request_id: _Optional[str] = ..., function: _Optional[str] = ..., purpose: _Optional[_Union[FunctionPurpose, str]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., context: _Optional[_Union[_context_pb2.TriggerContext, _Mapping]] = ..., contexts: _Optional[_Iterable[_Union[_context_pb2.TriggerContext, _Mapping]]] = ..., trigger_id: _Optional[str] = ..., value_json: _Optional[bytes] = ...) -> None: ...
