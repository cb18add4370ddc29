"""Filter and provider functions: their identity across an app's processes.

A function filter or provider runs on a worker of the app that declared it; the
orchestrator knows it by an identity that every process of the app computes alike.
In Python that is ``module:qualname`` of a module-level named function (the seed's
rule 6). Lambdas, nested functions, bound methods and other callables are refused
when the trigger is declared, with an error that says why.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

AnyFunction = Callable[..., Any]


def function_identity(fn: object, where: str) -> str:
    """The stable identity of a module-level named function; TypeError for anything else."""
    if isinstance(fn, functools.partial):
        raise TypeError(
            f"{where}: a functools.partial carries bound values that other processes of the app cannot see; "
            "declare a module-level named function instead"
        )
    if inspect.ismethod(fn):
        raise TypeError(
            f"{where}: {fn.__qualname__} is a bound method; its instance cannot be identified across the "
            "app's processes. Pass a module-level function (or a staticmethod of a module-level class)"
        )
    if not inspect.isfunction(fn):
        raise TypeError(
            f"{where}: expects a module-level named function (def ...), got {type(fn).__name__} {fn!r}"
        )
    if fn.__name__ == "<lambda>":
        raise TypeError(
            f"{where}: lambdas cannot be used as filters or providers: nothing identifies a lambda across "
            "the app's processes (the seed's rule 6). Declare a module-level named function, e.g. "
            "`def is_large_order(arguments: dict) -> bool: ...`, and pass it"
        )
    if "<locals>" in fn.__qualname__:
        raise TypeError(
            f"{where}: {fn.__qualname__} is defined inside another function. A nested function can close "
            "over values that differ from call to call, and other processes of the app cannot find it by "
            "name; declare it at module level and pass that"
        )
    return f"{fn.__module__}:{fn.__qualname__}"


class FunctionRegistry:
    """The filter and provider functions of one app, by identity.

    Two different function objects with one identity (a module reloaded, a name
    defined twice) are refused: nothing could tell them apart in another process.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, AnyFunction] = {}
        self._listeners: list[Callable[[list[str]], None]] = []
        self._lock = threading.Lock()

    def register(self, fn: AnyFunction, where: str) -> str:
        identity = function_identity(fn, where)
        with self._lock:
            known = self._by_id.get(identity)
            if known is not None and known is not fn:
                raise TypeError(
                    f"{where}: function {identity} is already declared in this app as a different function "
                    "object (was the module reloaded, or the name defined twice?). Other processes could not "
                    "tell them apart; give each function its own name"
                )
            if known is not None:
                return identity
            self._by_id[identity] = fn
            listeners = list(self._listeners)
        for listener in listeners:
            listener([identity])
        return identity

    def get(self, identity: str) -> AnyFunction | None:
        with self._lock:
            return self._by_id.get(identity)

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._by_id)

    def subscribe(self, listener: Callable[[list[str]], None]) -> Callable[[], None]:
        """Calls ``listener`` with new identities as they are registered; returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
