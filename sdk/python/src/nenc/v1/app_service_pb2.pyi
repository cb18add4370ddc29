import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nenc.v1 import task_pb2 as _task_pb2
from nenc.v1 import trigger_pb2 as _trigger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegisterAppRequest(_message.Message):
    __slots__ = ("app_id", "tasks", "triggers")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.TaskDefinition]
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.Trigger]
    def __init__(self, app_id: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[_task_pb2.TaskDefinition, _Mapping]]] = ..., triggers: _Optional[_Iterable[_Union[_trigger_pb2.Trigger, _Mapping]]] = ...) -> None: ...

class RegisterAppResponse(_message.Message):
    __slots__ = ("trigger_ids", "removed_trigger_ids")
    TRIGGER_IDS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_TRIGGER_IDS_FIELD_NUMBER: _ClassVar[int]
    trigger_ids: _containers.RepeatedScalarFieldContainer[str]
    removed_trigger_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, trigger_ids: _Optional[_Iterable[str]] = ..., removed_trigger_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("app_id",)
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.Task]
    def __init__(self, tasks: _Optional[_Iterable[_Union[_task_pb2.Task, _Mapping]]] = ...) -> None: ...

class ListWorkersRequest(_message.Message):
    __slots__ = ("app_id",)
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class ListWorkersResponse(_message.Message):
    __slots__ = ("workers",)
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    workers: _containers.RepeatedCompositeFieldContainer[Worker]
    def __init__(self, workers: _Optional[_Iterable[_Union[Worker, _Mapping]]] = ...) -> None: ...

class Worker(_message.Message):
    __slots__ = ("worker_id", "app_id", "task_ids", "concurrency", "sdk", "held", "lease_until")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    SDK_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    LEASE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    app_id: str
    task_ids: _containers.RepeatedScalarFieldContainer[str]
    concurrency: int
    sdk: str
    held: int
    lease_until: _timestamp_pb2.Timestamp
    def __init__(self, worker_id: _Optional[str] = ..., app_id: _Optional[str] = ..., task_ids: _Optional[_Iterable[str]] = ..., concurrency: _Optional[int] = ..., sdk: _Optional[str] = ..., held: _Optional[int] = ..., lease_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
