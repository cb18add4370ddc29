"""What ``app.trigger.list()``, ``explain()`` and ``list_events()`` return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Origin = Literal["declared", "runtime", "unspecified"]


@dataclass(frozen=True)
class TriggerInfo:
    """A stored trigger.

    ``conditions`` and ``argument_providers`` are the contract's JSON form with
    snake_case keys, e.g. ``{"cron": {"expression": "*/30 * * * *", "timezone": "UTC"}}``.
    """

    id: str
    target_task_id: str
    app_id: str
    origin: Origin
    paused: bool
    logic: Literal["and", "or"]
    conditions: list[dict[str, Any]]
    argument_providers: list[dict[str, Any]]
    created_at: datetime | None


@dataclass(frozen=True)
class Evaluation:
    """One decision of a trigger about one occurrence.

    ``outcome``: fired, waiting, filtered_out, deduplicated, expired, errored,
    skipped or deferred.
    """

    at: datetime | None
    occurrence_id: str
    outcome: str
    invocation_id: str | None
    missing_conditions: list[int]
    condition_index: int
    detail: str


@dataclass(frozen=True)
class PendingMatch:
    """A partial AND match waiting for its other conditions."""

    correlation_key: str
    satisfied_conditions: list[int]
    occurrence_ids: list[str]
    since: datetime | None


@dataclass(frozen=True)
class Explanation:
    """Why a trigger did (or didn't) fire: its recent evaluations, newest first."""

    trigger: TriggerInfo
    evaluations: list[Evaluation]
    pending: list[PendingMatch]


@dataclass(frozen=True)
class EventInfo:
    """A stored custom event: what ``app.trigger.list_events()`` returns."""

    id: str
    code: str
    payload: dict[str, Any]
    emitted_at: datetime
    idempotency_key: str | None
    invocation_ids: list[str]
    """The invocations triggers started because of it."""
