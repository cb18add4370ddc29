"""Proto <-> Python: the only module that knows both the contract and the SDK's types."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from nenc._impl.values import from_struct, from_value, to_value
from nenc.invocation.info import InvocationInfo, Provenance, TaskErrorInfo
from nenc.invocation.status import InvocationStatus
from nenc.trigger.cel import Cel
from nenc.trigger.conditions import (
    Arguments,
    CronContext,
    EventContext,
    ExceptionContext,
    ResultContext,
    StatusContext,
    TriggerContext,
)
from nenc.trigger.info import Evaluation, EventInfo, Explanation, Origin, PendingMatch, TriggerInfo
from nenc.trigger.spec import (
    Condition,
    CronCondition,
    ExceptionCondition,
    Filter,
    FunctionProvider,
    FunctionRef,
    Provider,
    ResultCondition,
    StaticArgs,
    StatusCondition,
    TriggerSpec,
)
from nenc.v1 import context_pb2, event_pb2, invocation_pb2, trigger_pb2, trigger_service_pb2

_MISFIRE = {
    "skip": trigger_pb2.MISFIRE_POLICY_SKIP,
    "once": trigger_pb2.MISFIRE_POLICY_ONCE,
    "all": trigger_pb2.MISFIRE_POLICY_ALL,
}
_CONTEXT_KIND = {
    None: trigger_pb2.CONTEXT_KIND_UNSPECIFIED,
    "status": trigger_pb2.CONTEXT_KIND_STATUS,
    "result": trigger_pb2.CONTEXT_KIND_RESULT,
    "exception": trigger_pb2.CONTEXT_KIND_EXCEPTION,
    "event": trigger_pb2.CONTEXT_KIND_EVENT,
    "cron": trigger_pb2.CONTEXT_KIND_CRON,
}
_ORIGIN: dict[int, Origin] = {
    trigger_pb2.TRIGGER_ORIGIN_DECLARED: "declared",
    trigger_pb2.TRIGGER_ORIGIN_RUNTIME: "runtime",
}


# Statuses and times


def status_from_proto(status: int) -> InvocationStatus:
    name = invocation_pb2.InvocationStatus.Name(status)
    if name not in InvocationStatus.__members__:
        raise ValueError(f"the orchestrator sent status {name}, which this SDK does not know")
    return InvocationStatus(name)


def _time(parent: Message, field: str) -> datetime | None:
    if not parent.HasField(field):
        return None
    stamp: Timestamp = getattr(parent, field)
    return stamp.ToDatetime(tzinfo=UTC)


def _required_time(parent: Message, field: str) -> datetime:
    return _time(parent, field) or datetime.fromtimestamp(0, UTC)


# Events


def event_info(message: event_pb2.Event) -> EventInfo:
    return EventInfo(
        id=message.id,
        code=message.code,
        payload=from_struct(message.payload),
        emitted_at=_required_time(message, "emitted_at"),
        idempotency_key=message.idempotency_key or None,
        invocation_ids=list(message.invocation_ids),
    )


# Invocations


def invocation_info(message: invocation_pb2.Invocation) -> InvocationInfo:
    error = message.error if message.HasField("error") else None
    provenance = message.provenance if message.HasField("provenance") else None
    return InvocationInfo(
        id=message.id,
        task_id=message.task_id,
        app_id=message.app_id,
        status=status_from_proto(message.status),
        arguments=from_struct(message.arguments),
        result=from_value(message.result) if message.HasField("result") else None,
        error=TaskErrorInfo(error.type, error.message, list(error.chain), error.stack) if error else None,
        attempt=message.attempt,
        provenance=Provenance(
            trigger_id=provenance.trigger_id,
            occurrence_ids=list(provenance.occurrence_ids),
            source_invocation_ids=list(provenance.source_invocation_ids),
            event_ids=list(provenance.event_ids),
        )
        if provenance and provenance.trigger_id
        else None,
        created_at=_time(message, "created_at"),
        updated_at=_time(message, "updated_at"),
        worker_id=message.worker_id,
    )


def describe_error(error: BaseException) -> invocation_pb2.TaskError:
    """An exception as the orchestrator records it; the chain is the class's MRO.

    A class with a ``remote_type`` (ResultNotAcceptedError) is recorded under that
    name, the one the orchestrator itself uses, so retry policies match either.
    """
    chain = [cls.__name__ for cls in type(error).__mro__ if issubclass(cls, BaseException)]
    remote_type = getattr(type(error), "remote_type", None)
    if isinstance(remote_type, str):
        chain.insert(0, remote_type)
    return invocation_pb2.TaskError(
        type=chain[0],
        message=str(error),
        chain=chain,
        stack="".join(traceback.format_exception(error)),
    )


# Triggers


def trigger_to_proto(spec: TriggerSpec, target_task_id: str, app_id: str) -> trigger_pb2.Trigger:
    """The wire form of a checked declaration."""
    return trigger_pb2.Trigger(
        target_task_id=target_task_id,
        app_id=app_id,
        logic=trigger_pb2.TRIGGER_LOGIC_OR if spec.logic == "or" else trigger_pb2.TRIGGER_LOGIC_AND,
        conditions=[_condition(condition) for condition in spec.conditions],
        argument_providers=[_provider(provider) for provider in spec.providers],
        join=trigger_pb2.JoinOptions(
            within_ms=spec.within_ms, correlation_key=spec.correlation_key, max_pending=spec.max_pending
        ),
    )


def _filter(spec: Filter | None) -> trigger_pb2.Filter | None:
    if spec is None:
        return None
    if isinstance(spec, Cel):
        return trigger_pb2.Filter(cel=spec.expression)
    if isinstance(spec, FunctionRef):
        return trigger_pb2.Filter(function=spec.id)
    return trigger_pb2.Filter(value=to_value(spec.value, "filter"))


# The defaults travel as 0 (unset), as the TypeScript SDK sends them: the same definition, the same wire.
_REPEATED_HOUR = {
    "once": trigger_pb2.REPEATED_HOUR_POLICY_UNSPECIFIED,
    "twice": trigger_pb2.REPEATED_HOUR_POLICY_TWICE,
}
_SKIPPED_HOUR = {
    "shift": trigger_pb2.SKIPPED_HOUR_POLICY_UNSPECIFIED,
    "skip": trigger_pb2.SKIPPED_HOUR_POLICY_SKIP,
}


def _condition(spec: Condition) -> trigger_pb2.Condition:
    if isinstance(spec, CronCondition):
        return trigger_pb2.Condition(
            cron=trigger_pb2.CronCondition(
                expression=spec.expression,
                timezone=spec.timezone,
                misfire=_MISFIRE[spec.misfire],
                catch_up_window_ms=spec.catch_up_window_ms,
                repeated_hour=_REPEATED_HOUR[spec.repeated_hour],
                skipped_hour=_SKIPPED_HOUR[spec.skipped_hour],
            )
        )
    if isinstance(spec, StatusCondition):
        return trigger_pb2.Condition(
            status=trigger_pb2.StatusCondition(
                task_id=spec.task_id,
                statuses=[status.value for status in spec.statuses],  # enum names on the wire too
                call_arguments=_filter(spec.call_arguments),
            )
        )
    if isinstance(spec, ResultCondition):
        return trigger_pb2.Condition(
            result=trigger_pb2.ResultCondition(
                task_id=spec.task_id,
                filter_result=_filter(spec.filter_result),
                call_arguments=_filter(spec.call_arguments),
            )
        )
    if isinstance(spec, ExceptionCondition):
        return trigger_pb2.Condition(
            exception=trigger_pb2.ExceptionCondition(
                task_id=spec.task_id,
                exception_types=list(spec.exception_types),
                call_arguments=_filter(spec.call_arguments),
            )
        )
    return trigger_pb2.Condition(
        event=trigger_pb2.EventCondition(code=spec.code, payload_filter=_filter(spec.payload_filter))
    )


def _provider(spec: Provider) -> trigger_pb2.ArgumentProvider:
    if isinstance(spec, StaticArgs):
        return trigger_pb2.ArgumentProvider(static=to_value(spec.value, "with_args_static"))
    if isinstance(spec, Cel):
        return trigger_pb2.ArgumentProvider(cel=spec.expression)
    assert isinstance(spec, FunctionProvider)
    return trigger_pb2.ArgumentProvider(
        function=trigger_pb2.FunctionProvider(function=spec.function.id, context=_CONTEXT_KIND[spec.context])
    )


def _as_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def trigger_info(message: trigger_pb2.Trigger) -> TriggerInfo:
    return TriggerInfo(
        id=message.id,
        target_task_id=message.target_task_id,
        app_id=message.app_id,
        origin=_ORIGIN.get(message.origin, "unspecified"),
        paused=message.paused,
        logic="or" if message.logic == trigger_pb2.TRIGGER_LOGIC_OR else "and",
        conditions=[_as_dict(condition) for condition in message.conditions],
        argument_providers=[_as_dict(provider) for provider in message.argument_providers],
        created_at=_time(message, "created_at"),
    )


def explanation(message: trigger_service_pb2.ExplainTriggerResponse) -> Explanation:
    return Explanation(
        trigger=trigger_info(message.trigger),
        evaluations=[
            Evaluation(
                at=_time(item, "at"),
                occurrence_id=item.occurrence_id,
                outcome=_outcome_name(item.outcome),
                invocation_id=item.invocation_id or None,
                missing_conditions=list(item.missing_conditions),
                condition_index=item.condition_index,
                detail=item.detail,
            )
            for item in message.evaluations
        ],
        pending=[
            PendingMatch(
                correlation_key=item.correlation_key,
                satisfied_conditions=list(item.satisfied_conditions),
                occurrence_ids=list(item.occurrence_ids),
                since=_time(item, "since"),
            )
            for item in message.pending
        ],
    )


def _outcome_name(outcome: int) -> str:
    try:
        name = trigger_service_pb2.EvaluationOutcome.Name(outcome)
    except ValueError:
        return f"unknown({outcome})"
    return name.removeprefix("EVALUATION_OUTCOME_").lower()


# Contexts


def context_from_proto(message: context_pb2.TriggerContext) -> TriggerContext:
    """A context from the wire, as provider functions receive it."""
    kind = message.WhichOneof("kind")
    if kind == "status":
        s = message.status
        return StatusContext(**_task_fields(s))
    if kind == "result":
        r = message.result
        return ResultContext(**_task_fields(r), result=from_value(r.result) if r.HasField("result") else None)
    if kind == "exception":
        e = message.exception
        return ExceptionContext(
            **_task_fields(e),
            exception_type=e.exception_type,
            exception_message=e.exception_message,
            exception_chain=list(e.exception_chain),
            stack=e.stack,
        )
    if kind == "event":
        ev = message.event
        return EventContext(
            event_id=ev.event_id,
            event_code=ev.event_code,
            payload=from_struct(ev.payload),
            timestamp=_time(ev, "timestamp"),
        )
    if kind == "cron":
        c = message.cron
        return CronContext(
            scheduled_time=_required_time(c, "scheduled_time"),
            fired_at=_required_time(c, "fired_at"),
            last_scheduled_time=_time(c, "last_scheduled_time"),
        )
    raise ValueError("the orchestrator sent an empty context")


def _task_fields(
    message: context_pb2.StatusContext | context_pb2.ResultContext | context_pb2.ExceptionContext,
) -> dict[str, Any]:
    return {
        "invocation_id": message.invocation_id,
        "task_id": message.task_id,
        "arguments": Arguments(from_struct(message.arguments)),
        "status": status_from_proto(message.status),
        "timestamp": _required_time(message, "timestamp"),
    }
