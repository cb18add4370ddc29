"""The seed's ``TriggerBuilder``: when a task runs, and with which arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, Protocol, Self, TypeVar

from nenc._impl.values import to_json, to_json_object
from nenc.functions import function_identity
from nenc.invocation.status import InvocationStatus
from nenc.trigger.cel import Cel
from nenc.trigger.conditions import (
    CronContext,
    EventContext,
    ExceptionContext,
    ResultContext,
    StatusContext,
    TriggerContext,
)
from nenc.trigger.spec import (
    Condition,
    ContextKind,
    CronCondition,
    EventCondition,
    ExceptionCondition,
    Filter,
    FunctionProvider,
    FunctionRef,
    Logic,
    MisfirePolicy,
    Provider,
    RepeatedHourPolicy,
    ResultCondition,
    SkippedHourPolicy,
    StaticArgs,
    StatusCondition,
    TriggerSpec,
    ValueFilter,
)


class NamedTask(Protocol):
    """Anything with a task name: a task of this app (``@app.task``)."""

    @property
    def name(self) -> str: ...


TaskRef = NamedTask | str
"""A task object, or a task's name (a task of another app or language)."""

FilterInput = Any
"""A static JSON value, ``cel("...")``, or a module-level named function."""

Milliseconds = int | float | timedelta
"""A duration: a number of milliseconds (as on the wire), or a timedelta."""

ExceptionTypes = str | type[BaseException] | Iterable[str | type[BaseException]]

C = TypeVar("C", bound=TriggerContext)

ProviderFunction = Callable[[C], Mapping[str, Any]] | Callable[[C, list[TriggerContext]], Mapping[str, Any]]
"""An argument provider: the context it asked for (and optionally every context) -> named arguments."""

_MISFIRE: dict[str, MisfirePolicy] = {"skip": "skip", "once": "once", "all": "all"}


class TriggerBuilder:
    """Declares when a task runs and with which arguments.

    Every method returns the builder. Several conditions combine with
    :meth:`with_logic` (default ``"and"``); argument providers apply in order and
    their dicts are merged, later keys winning.

    Example::

        @app.task(triggers=TriggerBuilder().on_status(process_order, call_arguments={"priority": "high"}))
        def notify_high_priority() -> str:
            return "High priority order processed"
    """

    def __init__(self) -> None:
        self._conditions: list[Condition] = []
        self._providers: list[Provider] = []
        self._logic: Logic = "and"
        self._within_ms = 0
        self._correlation_key = ""
        self._max_pending = 0

    # Conditions

    def on_cron(
        self,
        expression: str,
        timezone: str = "UTC",
        misfire: MisfirePolicy = "skip",
        catch_up_window: Milliseconds = 0,
        repeated_hour: RepeatedHourPolicy = "once",
        skipped_hour: SkippedHourPolicy = "shift",
    ) -> Self:
        """A cron schedule: 5 fields, or 6 with seconds first, in an IANA ``timezone``.

        ``misfire``: ``"skip"`` missed slots, run the latest ``"once"``, or ``"all"``
        within ``catch_up_window`` (milliseconds or a timedelta; 0 = one day).
        Daylight saving: the slots of a local hour the clock repeats run ``"once"``
        (default) or ``"twice"`` (``repeated_hour``); those of an hour it skips run at the
        first instant after the gap (``"shift"``, default) or not (``"skip"``).
        """
        if not isinstance(expression, str) or not expression.strip():
            raise ValueError("on_cron: the expression must be a non-empty string such as '*/5 * * * *'")
        fields = expression.split()
        if not expression.strip().startswith("@") and len(fields) not in (5, 6):
            raise ValueError(
                f"on_cron: {expression!r} has {len(fields)} fields; use 5, or 6 with seconds first"
            )
        policy = _MISFIRE.get(str(misfire).lower())
        if policy is None:
            raise ValueError(f"on_cron: misfire {misfire!r} is not one of skip, once, all")
        if not isinstance(timezone, str) or not timezone.strip():
            raise ValueError("on_cron: timezone must be an IANA name such as 'Europe/Madrid'")
        if repeated_hour not in ("once", "twice"):
            raise ValueError(f"on_cron: repeated_hour {repeated_hour!r} is not one of once, twice")
        if skipped_hour not in ("shift", "skip"):
            raise ValueError(f"on_cron: skipped_hour {skipped_hour!r} is not one of shift, skip")
        self._conditions.append(
            CronCondition(
                expression=expression,
                timezone=timezone,
                misfire=policy,
                catch_up_window_ms=_milliseconds(catch_up_window, "on_cron: catch_up_window"),
                repeated_hour=repeated_hour,
                skipped_hour=skipped_hour,
            )
        )
        return self

    def on_status(
        self,
        task: TaskRef,
        statuses: Iterable[str | InvocationStatus] | str | None = None,
        call_arguments: FilterInput = None,
    ) -> Self:
        """An invocation of ``task`` reaching one of ``statuses`` (default SUCCESS, case-insensitive)."""
        raw = (
            [InvocationStatus.SUCCESS]
            if statuses is None
            else [statuses]
            if isinstance(statuses, str)
            else list(statuses)
        )
        if not raw:
            raise ValueError("on_status: statuses is empty; leave it out for SUCCESS")
        parsed = tuple(InvocationStatus.parse(status, "on_status: statuses") for status in raw)
        self._conditions.append(
            StatusCondition(
                task_id=task_id_of(task, "on_status"),
                statuses=parsed,
                call_arguments=_filter(call_arguments, "on_status: call_arguments", objects_only=True),
            )
        )
        return self

    def on_success(self, task: TaskRef, call_arguments: FilterInput = None) -> Self:
        """Shorthand for ``on_status(task, statuses=["SUCCESS"])``."""
        return self.on_status(task, [InvocationStatus.SUCCESS], call_arguments)

    def on_failure(self, task: TaskRef, call_arguments: FilterInput = None) -> Self:
        """Shorthand for ``on_status(task, statuses=["FAILED"])`` (final failures)."""
        return self.on_status(task, [InvocationStatus.FAILED], call_arguments)

    def on_result(
        self, task: TaskRef, filter_result: FilterInput, call_arguments: FilterInput = None
    ) -> Self:
        """A SUCCESS of ``task`` whose result matches ``filter_result`` (use on_any_result for any)."""
        self._conditions.append(
            ResultCondition(
                task_id=task_id_of(task, "on_result"),
                filter_result=_filter(
                    filter_result, "on_result: filter_result", objects_only=False, required=True
                ),
                call_arguments=_filter(call_arguments, "on_result: call_arguments", objects_only=True),
            )
        )
        return self

    def on_any_result(self, task: TaskRef, call_arguments: FilterInput = None) -> Self:
        """A SUCCESS of ``task``, whatever its result."""
        self._conditions.append(
            ResultCondition(
                task_id=task_id_of(task, "on_any_result"),
                call_arguments=_filter(call_arguments, "on_any_result: call_arguments", objects_only=True),
            )
        )
        return self

    def on_exception(
        self, task: TaskRef, exception_types: ExceptionTypes | None = None, call_arguments: FilterInput = None
    ) -> Self:
        """A final failure of ``task`` whose exception class chain holds one of ``exception_types``.

        Names or classes; none = any exception. The chain is the MRO, so
        ``"ArithmeticError"`` matches a ``ZeroDivisionError``.
        """
        self._conditions.append(
            ExceptionCondition(
                task_id=task_id_of(task, "on_exception"),
                exception_types=_exception_names(exception_types),
                call_arguments=_filter(call_arguments, "on_exception: call_arguments", objects_only=True),
            )
        )
        return self

    def on_event(self, code: str, payload_filter: FilterInput = None) -> Self:
        """An emitted event with this ``code`` whose payload matches ``payload_filter``."""
        if not isinstance(code, str) or not code.strip():
            raise ValueError("on_event: the event code must be a non-empty string such as 'user.login'")
        self._conditions.append(
            EventCondition(
                code=code,
                payload_filter=_filter(payload_filter, "on_event: payload_filter", objects_only=True),
            )
        )
        return self

    # Combination

    def with_logic(self, logic: str) -> Self:
        """How several conditions combine: ``"and"`` (default) or ``"or"``."""
        lower = str(logic).strip().lower()
        if lower == "and":
            self._logic = "and"
        elif lower == "or":
            self._logic = "or"
        else:
            raise ValueError(f'with_logic: {logic!r} is not "and" or "or"')
        return self

    def within(self, ms: Milliseconds) -> Self:
        """AND only: partial matches older than ``ms`` milliseconds (or a timedelta) expire."""
        self._within_ms = _milliseconds(ms, "within")
        return self

    def correlate_by(self, key: str | Cel, max_pending: int | None = None) -> Self:
        """AND only: only occurrences with equal keys combine.

        A field name (looked up in the arguments of task occurrences and the payload
        of events) or ``cel(...)``. ``max_pending`` bounds the trigger's waiting partial
        matches, all keys together (default 10,000); the oldest expire first.
        """
        self._correlation_key = key.expression if isinstance(key, Cel) else str(key)
        if not self._correlation_key.strip():
            raise ValueError("correlate_by: the key is empty")
        if max_pending is not None:
            if not isinstance(max_pending, int) or max_pending < 0:
                raise ValueError("correlate_by: max_pending must be an int ≥ 0")
            self._max_pending = max_pending
        return self

    # Arguments

    def with_args_static(self, arguments: Mapping[str, Any]) -> Self:
        """Fixed arguments, merged with the other providers in order (later keys win)."""
        self._providers.append(StaticArgs(to_json_object(arguments, "with_args_static: arguments")))
        return self

    def with_args_from_cel(self, expression: Cel | str) -> Self:
        """Arguments from a CEL expression that yields a map."""
        expr = expression.expression if isinstance(expression, Cel) else expression
        if not isinstance(expr, str) or not expr.strip():
            raise ValueError("with_args_from_cel: the expression must be a non-empty string")
        self._providers.append(Cel(expr))
        return self

    def with_args_from_status(self, fn: ProviderFunction[StatusContext]) -> Self:
        return self._provider(fn, "status", "with_args_from_status")

    def with_args_from_result(self, fn: ProviderFunction[ResultContext]) -> Self:
        return self._provider(fn, "result", "with_args_from_result")

    def with_args_from_exception(self, fn: ProviderFunction[ExceptionContext]) -> Self:
        return self._provider(fn, "exception", "with_args_from_exception")

    def with_args_from_event(self, fn: ProviderFunction[EventContext]) -> Self:
        return self._provider(fn, "event", "with_args_from_event")

    def with_args_from_cron(self, fn: ProviderFunction[CronContext]) -> Self:
        return self._provider(fn, "cron", "with_args_from_cron")

    def with_args_from_context(self, fn: ProviderFunction[TriggerContext]) -> Self:
        """The context of the occurrence that fired the trigger, whatever its kind.

        Like every provider function, ``fn`` may take a second parameter: the list of
        every context that took part (a composite trigger's provider sees them all).
        """
        return self._provider(fn, None, "with_args_from_context")

    # Pynenc 0.4's names, for code written against it.

    def with_arguments(self, arguments: Mapping[str, Any]) -> Self:
        """Pynenc's older name of :meth:`with_args_static`."""
        return self.with_args_static(arguments)

    def with_args_from_trigger_context(self, fn: ProviderFunction[TriggerContext]) -> Self:
        """Pynenc's name of :meth:`with_args_from_context`."""
        return self._provider(fn, None, "with_args_from_trigger_context")

    def with_args_provider(
        self, provider: Mapping[str, Any] | Cel | ProviderFunction[TriggerContext]
    ) -> Self:
        """Pynenc's custom argument provider, as nenc has them: a mapping (static
        arguments), a :func:`cel` expression, or a module-level function of the
        trigger context (as :meth:`with_args_from_context`)."""
        if isinstance(provider, Mapping):
            return self.with_args_static(provider)
        if isinstance(provider, Cel):
            return self.with_args_from_cel(provider)
        if callable(provider):
            return self._provider(provider, None, "with_args_provider")
        raise TypeError(
            "with_args_provider: takes a mapping, a cel(...) expression or a function, "
            f"got {type(provider).__name__}"
        )

    def add_condition(self, condition: Condition) -> Self:
        """Pynenc's way to add a condition object: here one of nenc.trigger.spec's
        (CronCondition, StatusCondition, ResultCondition, ExceptionCondition,
        EventCondition), as the on_* methods build them."""
        if not isinstance(
            condition, CronCondition | StatusCondition | ResultCondition | ExceptionCondition | EventCondition
        ):
            raise TypeError(
                f"add_condition: takes a condition of nenc.trigger.spec (CronCondition, StatusCondition, "
                f"ResultCondition, ExceptionCondition, EventCondition), got {type(condition).__name__}"
            )
        self._conditions.append(condition)
        return self

    def build(self) -> TriggerSpec:
        """The checked declaration; raises ValueError when it cannot make a valid trigger."""
        if not self._conditions:
            raise ValueError(
                "TriggerBuilder: add a condition (on_cron, on_status, on_result, on_exception, on_event, ...)"
            )
        is_join = self._logic == "and" and len(self._conditions) > 1
        if not is_join and (self._within_ms or self._correlation_key or self._max_pending):
            raise ValueError(
                "TriggerBuilder: within() and correlate_by() apply to AND triggers with several conditions"
            )
        return TriggerSpec(
            conditions=tuple(self._conditions),
            logic=self._logic if len(self._conditions) > 1 else "and",
            providers=tuple(self._providers),
            within_ms=self._within_ms,
            correlation_key=self._correlation_key,
            max_pending=self._max_pending,
        )

    def _provider(self, fn: Callable[..., Any], context: ContextKind | None, where: str) -> Self:
        self._providers.append(FunctionProvider(FunctionRef(function_identity(fn, where), fn), context))
        return self


def task_id_of(task: object, where: str) -> str:
    """The id of a task reference: a task object's name, or the name itself."""
    if isinstance(task, str):
        if task.strip():
            return task
        raise ValueError(f"{where}: the task name is empty")
    name = getattr(task, "name", None)
    if isinstance(name, str) and name:
        return name
    if inspect.isfunction(task):
        raise TypeError(
            f"{where}: {task.__name__} is a plain function, not a task; decorate it with @app.task "
            "or pass the task's name"
        )
    raise TypeError(f"{where}: expects a task (from @app.task) or a task name, got {type(task).__name__}")


def _filter(value: object, where: str, *, objects_only: bool, required: bool = False) -> Filter | None:
    if value is None and not required:
        return None
    if isinstance(value, Cel):
        return value
    if callable(value):
        return FunctionRef(function_identity(value, where), value)
    if objects_only and not isinstance(value, Mapping):
        raise TypeError(
            f"{where}: must be a dict of keys to match, cel(...), or a module-level function; "
            f"got {type(value).__name__}"
        )
    return ValueFilter(to_json(value, where))


def _exception_names(types: ExceptionTypes | None) -> tuple[str, ...]:
    if types is None:
        return ()
    items: Iterable[object] = [types] if isinstance(types, (str, type)) else types
    names: list[str] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            names.append(item.strip())
        elif isinstance(item, type) and issubclass(item, BaseException):
            names.append(item.__name__)
        else:
            raise TypeError(
                f"on_exception: exception_types holds {item!r}; use class names or exception classes"
            )
    return tuple(names)


def _milliseconds(value: Milliseconds, where: str) -> int:
    ms = value.total_seconds() * 1000 if isinstance(value, timedelta) else value
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not ms >= 0 or ms == float("inf"):
        raise ValueError(f"{where}: expects milliseconds ≥ 0 (a number or a timedelta), got {value!r}")
    return round(ms)
