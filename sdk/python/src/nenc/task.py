"""Tasks: a name (the task's id across languages) and a function of named arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

from nenc._impl.numbers import coerce, type_hints
from nenc._impl.values import to_json_object
from nenc.invocation.handle import Invocation
from nenc.trigger.spec import TriggerSpec

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class RetryPolicy:
    """How failed attempts are retried, with exponential backoff between them."""

    max_retries: int
    """Attempts after the first one."""
    initial_backoff_ms: int = 1000
    backoff_multiplier: float = 2.0
    max_backoff_ms: int = 60_000
    retry_on: tuple[str | type[BaseException], ...] = field(default=())
    """Retry only these exception classes (or class names); empty = any exception."""

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ValueError("RetryPolicy: max_retries must be an int ≥ 0")
        if self.backoff_multiplier < 1:
            raise ValueError("RetryPolicy: backoff_multiplier must be ≥ 1")

    def retry_on_names(self) -> list[str]:
        return [item if isinstance(item, str) else item.__name__ for item in self.retry_on]


class Invoker(Protocol):
    """What a task needs of its app: a way to queue an invocation by task name."""

    def invoke(
        self, task_id: str, arguments: Mapping[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> Invocation[Any]: ...


class Task(Generic[P, R]):
    """A task of an app; calling it queues an invocation and returns its handle.

    Positional arguments are bound to the function's parameter names, so
    ``divide(10, 0)`` is invoked with the named arguments ``{"x": 10, "y": 0}``
    (defaults are left to the function, as in the TypeScript SDK).
    """

    def __init__(
        self,
        fn: Callable[P, R],
        name: str,
        retry: RetryPolicy | None,
        triggers: tuple[TriggerSpec, ...],
        app: Invoker,
        timeout_ms: int | None = None,
    ) -> None:
        self.fn = fn
        self.name = name
        self.retry = retry
        self.timeout_ms = timeout_ms
        """An attempt not ended this long after delivery fails with TimeoutError; None: no limit."""
        self.triggers = triggers
        self._app = app
        self._signature = _named_signature(fn, name)
        self._hints = type_hints(fn)
        # The **kwargs parameter, whose annotation types the arguments no other parameter names.
        self._extra = next(
            (p.name for p in self._signature.parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD),
            None,
        )
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    @property
    def id(self) -> str:
        """The task's id: its name."""
        return self.name

    def __repr__(self) -> str:
        return f"Task({self.name!r})"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Invocation[R]:
        """Queues an invocation with these arguments (checked against the signature)."""
        return self.invoke(self.bind(*args, **kwargs))

    def bind(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The named arguments a call with ``args`` and ``kwargs`` sends; TypeError if they do not fit."""
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{self.name}: {error}") from None
        arguments: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            if self._signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                arguments.update(value)
            else:
                arguments[name] = value
        return arguments

    def invoke(
        self, arguments: Mapping[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> Invocation[R]:
        """Queues an invocation with a dict of named arguments; a repeated key returns the first.

        Its result comes back as the function's return annotation says (``-> float``
        gives a float, see nenc._impl.numbers)."""
        checked = to_json_object(arguments or {}, f"{self.name}: arguments")
        invocation: Invocation[R] = self._app.invoke(self.name, checked, idempotency_key=idempotency_key)
        invocation.result_type = self._hints.get("return")
        return invocation

    def arguments_for_call(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Arguments as received, numbers made what the parameters' annotations say."""
        called: dict[str, Any] = {}
        for name, value in arguments.items():
            hint = self._hints.get(name if name in self._signature.parameters else (self._extra or ""))
            called[name] = coerce(hint, value) if hint is not None else value
        return called


def _named_signature(fn: Callable[..., Any], name: str) -> inspect.Signature:
    """The signature of a task function, which must take its arguments by name."""
    signature = inspect.signature(fn)
    for parameter in signature.parameters.values():
        if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.VAR_POSITIONAL):
            shown = (
                f"*{parameter.name}"
                if parameter.kind is inspect.Parameter.VAR_POSITIONAL
                else f"{parameter.name}, /"
            )
            raise TypeError(
                f"task {name}: parameter {shown} cannot be named; task arguments travel as named "
                "arguments (kwargs), so use regular or keyword-only parameters"
            )
    return signature
