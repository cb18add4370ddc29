"""Function identity: module-level named functions only, one object per identity."""

from __future__ import annotations

import functools
import types
from typing import Any

import pytest

from nenc import Nenc, TriggerBuilder
from nenc.functions import FunctionRegistry, function_identity


def is_large_order(arguments: dict[str, Any]) -> bool:
    return bool(arguments.get("amount", 0) > 1000)


class Rules:
    @staticmethod
    def is_urgent(arguments: dict[str, Any]) -> bool:
        return arguments.get("priority") == "high"

    def bound(self, arguments: dict[str, Any]) -> bool:
        return True


def test_module_level_functions_are_identified_by_module_and_qualname() -> None:
    assert function_identity(is_large_order, "where") == f"{__name__}:is_large_order"
    assert function_identity(Rules.is_urgent, "where") == f"{__name__}:Rules.is_urgent"


def test_lambdas_are_refused_with_the_seed_rule() -> None:
    with pytest.raises(TypeError) as refused:
        TriggerBuilder().on_status("process_order", call_arguments=lambda arguments: True)
    message = str(refused.value)
    assert message.startswith("on_status: call_arguments: lambdas cannot be used as filters or providers")
    assert "the seed's rule 6" in message and "module-level named function" in message


def test_nested_functions_are_refused_saying_why() -> None:
    threshold = 1000

    def is_big(arguments: dict[str, Any]) -> bool:
        return bool(arguments["amount"] > threshold)

    with pytest.raises(TypeError) as refused:
        TriggerBuilder().on_event("order").with_args_from_event(is_big)  # type: ignore[arg-type]
    message = str(refused.value)
    assert message.startswith(
        "with_args_from_event: test_nested_functions_are_refused_saying_why.<locals>.is_big "
        "is defined inside another function"
    )
    assert "close over values that differ" in message and "declare it at module level" in message


@pytest.mark.parametrize(
    ("candidate", "complaint"),
    [
        (functools.partial(is_large_order), "a functools.partial carries bound values"),
        (Rules().bound, "Rules.bound is a bound method"),
        (len, "expects a module-level named function (def ...), got builtin_function_or_method"),
        (Rules(), "expects a module-level named function (def ...), got Rules"),
    ],
)
def test_other_callables_are_refused(candidate: object, complaint: str) -> None:
    with pytest.raises(TypeError, match=f"where: {complaint}".replace("(", r"\(").replace(")", r"\)")):
        function_identity(candidate, "where")


def test_two_function_objects_with_one_identity_are_refused() -> None:
    registry = FunctionRegistry()
    assert registry.register(is_large_order, "first") == f"{__name__}:is_large_order"
    assert (
        registry.register(is_large_order, "again") == f"{__name__}:is_large_order"
    )  # the same object is fine
    # What a reloaded module or a redefined name produces: another object, same module and qualname.
    twin = types.FunctionType(is_large_order.__code__, is_large_order.__globals__, "is_large_order")
    twin.__qualname__ = is_large_order.__qualname__
    with pytest.raises(TypeError, match="is already declared in this app as a different function object"):
        registry.register(twin, "task other")


def test_the_registry_announces_new_functions_once() -> None:
    registry = FunctionRegistry()
    announced: list[list[str]] = []
    unsubscribe = registry.subscribe(announced.append)
    registry.register(is_large_order, "a")
    registry.register(is_large_order, "b")
    unsubscribe()
    registry.register(Rules.is_urgent, "c")
    assert announced == [[f"{__name__}:is_large_order"]]
    assert registry.ids() == [f"{__name__}:is_large_order", f"{__name__}:Rules.is_urgent"]
    assert registry.get(f"{__name__}:Rules.is_urgent") is Rules.is_urgent


def test_declaring_a_task_registers_its_trigger_functions() -> None:
    app = Nenc(url="http://127.0.0.1:1", app_id="functions")

    @app.task(triggers=TriggerBuilder().on_status("process_order", call_arguments=is_large_order))
    def notify_large_order() -> str:
        return "Large order processed"

    assert app.functions.ids() == [f"{__name__}:is_large_order"]
    assert notify_large_order.name == "notify_large_order"
