"""A checked trigger declaration: what :meth:`TriggerBuilder.build` returns.

Plain frozen dataclasses, independent of the wire format; ``nenc._impl.convert``
turns them into the contract's Trigger message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from nenc.functions import AnyFunction
from nenc.invocation.status import InvocationStatus
from nenc.trigger.cel import Cel

MisfirePolicy = Literal["skip", "once", "all"]
#: Slots of a local hour the clock repeats (fall back): run ``"once"`` (default) or ``"twice"``.
RepeatedHourPolicy = Literal["once", "twice"]
#: Slots of a local hour the clock skips (spring forward): ``"shift"`` to the gap's end
#: (default) or ``"skip"``.
SkippedHourPolicy = Literal["shift", "skip"]
ContextKind = Literal["status", "result", "exception", "event", "cron"]
Logic = Literal["and", "or"]


@dataclass(frozen=True)
class FunctionRef:
    """A filter or provider function and its identity (``module:qualname``)."""

    id: str
    fn: AnyFunction


@dataclass(frozen=True)
class ValueFilter:
    """Objects: every key present with a JSON-equal value; other values: JSON equality."""

    value: Any


Filter = ValueFilter | Cel | FunctionRef


@dataclass(frozen=True)
class CronCondition:
    expression: str
    timezone: str = "UTC"
    misfire: MisfirePolicy = "skip"
    catch_up_window_ms: int = 0
    repeated_hour: RepeatedHourPolicy = "once"
    skipped_hour: SkippedHourPolicy = "shift"


@dataclass(frozen=True)
class StatusCondition:
    task_id: str
    statuses: tuple[InvocationStatus, ...] = (InvocationStatus.SUCCESS,)
    call_arguments: Filter | None = None


@dataclass(frozen=True)
class ResultCondition:
    """A SUCCESS whose result passes ``filter_result`` (None: any result)."""

    task_id: str
    filter_result: Filter | None = None
    call_arguments: Filter | None = None


@dataclass(frozen=True)
class ExceptionCondition:
    """A final failure whose class chain holds one of ``exception_types`` (empty: any)."""

    task_id: str
    exception_types: tuple[str, ...] = ()
    call_arguments: Filter | None = None


@dataclass(frozen=True)
class EventCondition:
    code: str
    payload_filter: Filter | None = None


Condition = CronCondition | StatusCondition | ResultCondition | ExceptionCondition | EventCondition


@dataclass(frozen=True)
class StaticArgs:
    value: dict[str, Any]


@dataclass(frozen=True)
class FunctionProvider:
    """``context`` None: the context of the occurrence that completed the trigger."""

    function: FunctionRef
    context: ContextKind | None = None


Provider = StaticArgs | Cel | FunctionProvider


@dataclass(frozen=True)
class TriggerSpec:
    conditions: tuple[Condition, ...]
    logic: Logic = "and"
    providers: tuple[Provider, ...] = ()
    within_ms: int = 0
    correlation_key: str = ""
    max_pending: int = 0

    def functions(self) -> list[FunctionRef]:
        """Every function the trigger uses (filters, then providers)."""
        refs: list[FunctionRef] = []
        for condition in self.conditions:
            for name in ("call_arguments", "filter_result", "payload_filter"):
                candidate = getattr(condition, name, None)
                if isinstance(candidate, FunctionRef):
                    refs.append(candidate)
        refs.extend(p.function for p in self.providers if isinstance(p, FunctionProvider))
        return refs
