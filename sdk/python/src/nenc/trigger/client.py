"""``app.trigger``: emit events, and create, pause, resume, delete, list and explain triggers."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from nenc._impl.clients import Clients
from nenc._impl.convert import event_info, explanation, trigger_info, trigger_to_proto
from nenc._impl.tracing import current_traceparent
from nenc._impl.values import to_object_value
from nenc.invocation.status import InvocationStatus
from nenc.trigger.info import EventInfo, Explanation, TriggerInfo
from nenc.trigger.spec import MisfirePolicy, TriggerSpec
from nenc.trigger.trigger_builder import (
    ExceptionTypes,
    FilterInput,
    Milliseconds,
    TaskRef,
    TriggerBuilder,
    task_id_of,
)
from nenc.v1 import event_service_pb2 as event_pb
from nenc.v1 import trigger_service_pb2 as trigger_pb


class TriggerHost(Protocol):
    """What runtime triggers need of their app."""

    @property
    def app_id(self) -> str: ...

    @property
    def clients(self) -> Clients: ...

    def prepare_runtime_trigger(self, spec: TriggerSpec, target_task_id: str) -> None:
        """Adds the trigger's functions to the app and makes sure its target task is registered."""
        ...


class RuntimeTriggerBuilder(TriggerBuilder):
    """A trigger built at run time; :meth:`register` stores it and returns its id."""

    def __init__(self, client: TriggerClient) -> None:
        super().__init__()
        self._client = client

    def register(self, target: TaskRef) -> str:
        """Stores the trigger to run ``target`` (a task or a task name); returns its id.

        The same definition gives the same id.
        """
        return self._client.create(self, target)


class TriggerClient:
    """Events and runtime triggers of an app (``app.trigger``).

    Example::

        trigger_id = (
            app.trigger.on_success(data_processor)
            .with_args_from_result(generate_notification_args)
            .register(notification_task)
        )
        app.trigger.pause(trigger_id)
    """

    def __init__(self, host: TriggerHost) -> None:
        self._host = host

    def emit_event(
        self, code: str, payload: Mapping[str, Any] | None = None, idempotency_key: str | None = None
    ) -> str:
        """Stores the event, then returns its id (a repeated idempotency key returns the first id)."""
        request = event_pb.EmitEventRequest(
            code=code,
            payload=to_object_value(payload or {}, "payload"),
            idempotency_key=idempotency_key or "",
            traceparent=current_traceparent(),
        )
        return self._host.clients.emit_event(request).event_id

    def list_events(
        self,
        code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[EventInfo]:
        """Stored events, oldest first: of one code, emitted in [since, until) (aware
        datetimes), at most ``limit``."""
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
            raise ValueError(f"list_events: limit must be an int from 1 to 1000, got {limit!r}")
        request = event_pb.ListEventsRequest(
            code=code or "",
            since=_timestamp(since, "list_events: since"),
            until=_timestamp(until, "list_events: until"),
            page_size=limit,
        )
        return [event_info(event) for event in self._host.clients.list_events(request).events]

    def replay_event(self, event_id: str) -> int:
        """Evaluates one stored event again against the current triggers (none fires twice
        for it: those that fired already deduplicate); returns 1. NotFoundError when no
        event has that id (or retention dropped it)."""
        if not isinstance(event_id, str) or not event_id:
            raise ValueError("replay_event: pass the id of a stored event (emit_event returns it)")
        request = event_pb.ReplayEventsRequest(ids=[event_id])
        return self._host.clients.replay_events(request).replayed_count

    # Builders: each starts a runtime trigger.

    def on_cron(
        self,
        expression: str,
        timezone: str = "UTC",
        misfire: MisfirePolicy = "skip",
        catch_up_window: Milliseconds = 0,
    ) -> RuntimeTriggerBuilder:
        return self._builder().on_cron(expression, timezone, misfire, catch_up_window)

    def on_status(
        self,
        task: TaskRef,
        statuses: Iterable[str | InvocationStatus] | str | None = None,
        call_arguments: FilterInput = None,
    ) -> RuntimeTriggerBuilder:
        return self._builder().on_status(task, statuses, call_arguments)

    def on_success(self, task: TaskRef, call_arguments: FilterInput = None) -> RuntimeTriggerBuilder:
        return self._builder().on_success(task, call_arguments)

    def on_failure(self, task: TaskRef, call_arguments: FilterInput = None) -> RuntimeTriggerBuilder:
        return self._builder().on_failure(task, call_arguments)

    def on_result(
        self, task: TaskRef, filter_result: FilterInput, call_arguments: FilterInput = None
    ) -> RuntimeTriggerBuilder:
        return self._builder().on_result(task, filter_result, call_arguments)

    def on_any_result(self, task: TaskRef, call_arguments: FilterInput = None) -> RuntimeTriggerBuilder:
        return self._builder().on_any_result(task, call_arguments)

    def on_exception(
        self, task: TaskRef, exception_types: ExceptionTypes | None = None, call_arguments: FilterInput = None
    ) -> RuntimeTriggerBuilder:
        return self._builder().on_exception(task, exception_types, call_arguments)

    def on_event(self, code: str, payload_filter: FilterInput = None) -> RuntimeTriggerBuilder:
        return self._builder().on_event(code, payload_filter)

    # Stored triggers

    def create(self, builder: TriggerBuilder, target: TaskRef) -> str:
        """Stores a runtime trigger built by any builder to run ``target``; returns its id."""
        spec = builder.build()
        target_task_id = task_id_of(target, "register")
        self._host.prepare_runtime_trigger(spec, target_task_id)
        request = trigger_pb.CreateTriggerRequest(
            trigger=trigger_to_proto(spec, target_task_id, self._host.app_id)
        )
        return self._host.clients.create_trigger(request).trigger.id

    def get(self, trigger_id: str) -> TriggerInfo:
        return trigger_info(
            self._host.clients.get_trigger(trigger_pb.GetTriggerRequest(id=trigger_id)).trigger
        )

    def list(self, target_task_id: str | None = None, app_id: str | None = None) -> list[TriggerInfo]:
        """Stored triggers, oldest first; optionally only those running a task or of an app."""
        request = trigger_pb.ListTriggersRequest(target_task_id=target_task_id or "", app_id=app_id or "")
        return [trigger_info(trigger) for trigger in self._host.clients.list_triggers(request).triggers]

    def pause(self, trigger_id: str) -> None:
        """A paused trigger records the occurrences it skips and never fires for them."""
        self._host.clients.pause_trigger(trigger_pb.PauseTriggerRequest(id=trigger_id))

    def resume(self, trigger_id: str) -> None:
        self._host.clients.resume_trigger(trigger_pb.ResumeTriggerRequest(id=trigger_id))

    def delete(self, trigger_id: str) -> None:
        """Deletes the trigger with its partial AND state and its history."""
        self._host.clients.delete_trigger(trigger_pb.DeleteTriggerRequest(id=trigger_id))

    def explain(self, trigger_id: str, limit: int = 50) -> Explanation:
        """Why did (or didn't) the trigger fire: its recent evaluations, newest first."""
        response = self._host.clients.explain_trigger(
            trigger_pb.ExplainTriggerRequest(id=trigger_id, limit=limit)
        )
        return explanation(response)

    def preview(
        self, trigger_id: str, count: int = 10, after: datetime | None = None
    ) -> builtins.list[datetime]:
        """The next ``count`` fire times (at most 1000) of the trigger's cron conditions
        after ``after`` (default now), daylight-saving policy applied; aware UTC datetimes."""
        response = self._host.clients.preview_trigger(
            trigger_pb.PreviewTriggerRequest(
                id=trigger_id, count=count, after=_timestamp(after, "preview: after")
            )
        )
        return [time.ToDatetime(tzinfo=UTC) for time in response.fire_times]

    def backfill(self, trigger_id: str, from_: datetime, to: datetime) -> dict[str, int]:
        """Fires every past cron slot of the trigger in [from_, to] exactly once: a slot that
        already fired (live, or in an earlier backfill) is deduplicated. At most 10,000 slots;
        ``to`` must not be in the future. Returns the counts ``slots``, ``fired``,
        ``deduplicated`` and ``other``."""
        response = self._host.clients.backfill_trigger(
            trigger_pb.BackfillTriggerRequest(
                id=trigger_id,
                to=_timestamp(to, "backfill: to"),
                **{"from": _timestamp(from_, "backfill: from_")},
            )
        )
        return {
            "slots": response.slots,
            "fired": response.fired,
            "deduplicated": response.deduplicated,
            "other": response.other,
        }

    def dry_run(
        self,
        subject: str | TriggerBuilder,
        context: Mapping[str, Any] | None = None,
        target: TaskRef | None = None,
        recent: int | None = None,
    ) -> Any:
        """What a stored trigger (its id), or a builder with the task it would ``target``,
        would do with one occurrence; nothing fires, nothing is recorded. ``context`` is a
        ``nenc.v1.TriggerContext`` in its JSON form, e.g.
        ``{"event": {"eventCode": "paid", "payload": {"amount": 5}}}``; the answer is a dict
        of ``would_fire``, ``arguments`` (when it would fire), ``conditions`` (each
        condition's verdict) and ``detail``. With ``recent=N`` instead (a stored trigger):
        a list, newest first, of what it would do with the last N stored occurrences of its
        sources (``occurrence_id``, ``at``, ``would_fire``, ``arguments``, ``detail``)."""
        request = trigger_pb.DryRunTriggerRequest()
        if isinstance(subject, str):
            request.id = subject
        else:
            if target is None:
                raise ValueError("dry_run: a builder needs the task it would target: target=...")
            spec = subject.build()
            target_task_id = task_id_of(target, "dry_run")
            self._host.prepare_runtime_trigger(spec, target_task_id)
            request.definition.CopyFrom(trigger_to_proto(spec, target_task_id, self._host.app_id))
        if recent is not None:
            request.recent = recent
        if context is not None:
            json_format.ParseDict(dict(context), request.context)
        response = self._host.clients.dry_run_trigger(request)
        if recent is not None:
            return [
                {
                    "occurrence_id": replay.occurrence_id,
                    "at": replay.at.ToDatetime(tzinfo=UTC),
                    "would_fire": replay.would_fire,
                    **_arguments_of(replay),
                    "detail": replay.detail,
                }
                for replay in response.replays
            ]
        return {
            "would_fire": response.would_fire,
            **_arguments_of(response),
            "conditions": [
                {
                    "index": condition.condition_index,
                    "verdict": trigger_pb.ConditionVerdict.Name(condition.verdict)
                    .removeprefix("CONDITION_VERDICT_")
                    .lower(),
                    "detail": condition.detail,
                }
                for condition in response.conditions
            ],
            "detail": response.detail,
        }

    def _builder(self) -> RuntimeTriggerBuilder:
        return RuntimeTriggerBuilder(self)


def _arguments_of(message: Any) -> dict[str, Any]:
    """``{"arguments": ...}`` when a dry run's answer carries arguments, else nothing."""
    return (
        {"arguments": json_format.MessageToDict(message.arguments)} if message.HasField("arguments") else {}
    )


def _timestamp(moment: datetime | None, name: str) -> Timestamp | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime (e.g. datetime.now(UTC)), got a naive one")
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp
