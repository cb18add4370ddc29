import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nenc.v1 import context_pb2 as _context_pb2
from nenc.v1 import trigger_pb2 as _trigger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConditionVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONDITION_VERDICT_UNSPECIFIED: _ClassVar[ConditionVerdict]
    CONDITION_VERDICT_MATCH: _ClassVar[ConditionVerdict]
    CONDITION_VERDICT_UNRELATED: _ClassVar[ConditionVerdict]
    CONDITION_VERDICT_FILTERED: _ClassVar[ConditionVerdict]
    CONDITION_VERDICT_ERROR: _ClassVar[ConditionVerdict]

class EvaluationOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVALUATION_OUTCOME_UNSPECIFIED: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_FIRED: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_WAITING: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_FILTERED_OUT: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_DEDUPLICATED: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_EXPIRED: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_ERRORED: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_SKIPPED: _ClassVar[EvaluationOutcome]
    EVALUATION_OUTCOME_DEFERRED: _ClassVar[EvaluationOutcome]
CONDITION_VERDICT_UNSPECIFIED: ConditionVerdict
CONDITION_VERDICT_MATCH: ConditionVerdict
CONDITION_VERDICT_UNRELATED: ConditionVerdict
CONDITION_VERDICT_FILTERED: ConditionVerdict
CONDITION_VERDICT_ERROR: ConditionVerdict
EVALUATION_OUTCOME_UNSPECIFIED: EvaluationOutcome
EVALUATION_OUTCOME_FIRED: EvaluationOutcome
EVALUATION_OUTCOME_WAITING: EvaluationOutcome
EVALUATION_OUTCOME_FILTERED_OUT: EvaluationOutcome
EVALUATION_OUTCOME_DEDUPLICATED: EvaluationOutcome
EVALUATION_OUTCOME_EXPIRED: EvaluationOutcome
EVALUATION_OUTCOME_ERRORED: EvaluationOutcome
EVALUATION_OUTCOME_SKIPPED: EvaluationOutcome
EVALUATION_OUTCOME_DEFERRED: EvaluationOutcome

class CreateTriggerRequest(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: _trigger_pb2.Trigger
    def __init__(self, trigger: _Optional[_Union[_trigger_pb2.Trigger, _Mapping]] = ...) -> None: ...

class CreateTriggerResponse(_message.Message):
    __slots__ = ("trigger", "created")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    trigger: _trigger_pb2.Trigger
    created: bool
    def __init__(self, trigger: _Optional[_Union[_trigger_pb2.Trigger, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetTriggerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetTriggerResponse(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: _trigger_pb2.Trigger
    def __init__(self, trigger: _Optional[_Union[_trigger_pb2.Trigger, _Mapping]] = ...) -> None: ...

class ListTriggersRequest(_message.Message):
    __slots__ = ("target_task_id", "app_id")
    TARGET_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    target_task_id: str
    app_id: str
    def __init__(self, target_task_id: _Optional[str] = ..., app_id: _Optional[str] = ...) -> None: ...

class ListTriggersResponse(_message.Message):
    __slots__ = ("triggers",)
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.Trigger]
    def __init__(self, triggers: _Optional[_Iterable[_Union[_trigger_pb2.Trigger, _Mapping]]] = ...) -> None: ...

class PauseTriggerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class PauseTriggerResponse(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: _trigger_pb2.Trigger
    def __init__(self, trigger: _Optional[_Union[_trigger_pb2.Trigger, _Mapping]] = ...) -> None: ...

class ResumeTriggerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ResumeTriggerResponse(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: _trigger_pb2.Trigger
    def __init__(self, trigger: _Optional[_Union[_trigger_pb2.Trigger, _Mapping]] = ...) -> None: ...

class DeleteTriggerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteTriggerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExplainTriggerRequest(_message.Message):
    __slots__ = ("id", "limit")
    ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    limit: int
    def __init__(self, id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ExplainTriggerResponse(_message.Message):
    __slots__ = ("trigger", "evaluations", "pending", "next_fire_times")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIRE_TIMES_FIELD_NUMBER: _ClassVar[int]
    trigger: _trigger_pb2.Trigger
    evaluations: _containers.RepeatedCompositeFieldContainer[Evaluation]
    pending: _containers.RepeatedCompositeFieldContainer[PendingMatch]
    next_fire_times: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, trigger: _Optional[_Union[_trigger_pb2.Trigger, _Mapping]] = ..., evaluations: _Optional[_Iterable[_Union[Evaluation, _Mapping]]] = ..., pending: _Optional[_Iterable[_Union[PendingMatch, _Mapping]]] = ..., next_fire_times: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class PreviewTriggerRequest(_message.Message):
    __slots__ = ("id", "count", "after")
    ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    id: str
    count: int
    after: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., count: _Optional[int] = ..., after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PreviewTriggerResponse(_message.Message):
    __slots__ = ("fire_times",)
    FIRE_TIMES_FIELD_NUMBER: _ClassVar[int]
    fire_times: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, fire_times: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class BackfillTriggerRequest(_message.Message):
    __slots__ = ("id", "to")
    ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    id: str
    to: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class BackfillTriggerResponse(_message.Message):
    __slots__ = ("slots", "fired", "deduplicated", "other")
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    FIRED_FIELD_NUMBER: _ClassVar[int]
    DEDUPLICATED_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    slots: int
    fired: int
    deduplicated: int
    other: int
    def __init__(self, slots: _Optional[int] = ..., fired: _Optional[int] = ..., deduplicated: _Optional[int] = ..., other: _Optional[int] = ...) -> None: ...

class DryRunTriggerRequest(_message.Message):
    __slots__ = ("id", "definition", "context", "recent")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    RECENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    definition: _trigger_pb2.Trigger
    context: _context_pb2.TriggerContext
    recent: int
    def __init__(self, id: _Optional[str] = ..., definition: _Optional[_Union[_trigger_pb2.Trigger, _Mapping]] = ..., context: _Optional[_Union[_context_pb2.TriggerContext, _Mapping]] = ..., recent: _Optional[int] = ...) -> None: ...

class DryRunReplay(_message.Message):
    __slots__ = ("occurrence_id", "at", "would_fire", "arguments", "detail")
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    WOULD_FIRE_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    occurrence_id: str
    at: _timestamp_pb2.Timestamp
    would_fire: bool
    arguments: _struct_pb2.Struct
    detail: str
    def __init__(self, occurrence_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., would_fire: _Optional[bool] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., detail: _Optional[str] = ...) -> None: ...

class DryRunCondition(_message.Message):
    __slots__ = ("condition_index", "verdict", "detail")
    CONDITION_INDEX_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    condition_index: int
    verdict: ConditionVerdict
    detail: str
    def __init__(self, condition_index: _Optional[int] = ..., verdict: _Optional[_Union[ConditionVerdict, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class DryRunTriggerResponse(_message.Message):
    __slots__ = ("would_fire", "arguments", "conditions", "detail", "replays")
    WOULD_FIRE_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    REPLAYS_FIELD_NUMBER: _ClassVar[int]
    would_fire: bool
    arguments: _struct_pb2.Struct
    conditions: _containers.RepeatedCompositeFieldContainer[DryRunCondition]
    detail: str
    replays: _containers.RepeatedCompositeFieldContainer[DryRunReplay]
    def __init__(self, would_fire: _Optional[bool] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., conditions: _Optional[_Iterable[_Union[DryRunCondition, _Mapping]]] = ..., detail: _Optional[str] = ..., replays: _Optional[_Iterable[_Union[DryRunReplay, _Mapping]]] = ...) -> None: ...

class Evaluation(_message.Message):
    __slots__ = ("at", "occurrence_id", "outcome", "invocation_id", "missing_conditions", "condition_index", "detail")
    AT_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    MISSING_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    CONDITION_INDEX_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    occurrence_id: str
    outcome: EvaluationOutcome
    invocation_id: str
    missing_conditions: _containers.RepeatedScalarFieldContainer[int]
    condition_index: int
    detail: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., occurrence_id: _Optional[str] = ..., outcome: _Optional[_Union[EvaluationOutcome, str]] = ..., invocation_id: _Optional[str] = ..., missing_conditions: _Optional[_Iterable[int]] = ..., condition_index: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class PendingMatch(_message.Message):
    __slots__ = ("correlation_key", "satisfied_conditions", "occurrence_ids", "since")
    CORRELATION_KEY_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    correlation_key: str
    satisfied_conditions: _containers.RepeatedScalarFieldContainer[int]
    occurrence_ids: _containers.RepeatedScalarFieldContainer[str]
    since: _timestamp_pb2.Timestamp
    def __init__(self, correlation_key: _Optional[str] = ..., satisfied_conditions: _Optional[_Iterable[int]] = ..., occurrence_ids: _Optional[_Iterable[str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
