"""TriggerBuilder: what each method declares, its wire form, and the errors of bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from google.protobuf import json_format

from nenc import InvocationStatus, TriggerBuilder, cel
from nenc._impl.convert import trigger_to_proto
from nenc.trigger.spec import (
    CronCondition,
    EventCondition,
    ExceptionCondition,
    FunctionProvider,
    FunctionRef,
    ResultCondition,
    StaticArgs,
    StatusCondition,
    TriggerSpec,
    ValueFilter,
)


def is_large_order(arguments: dict[str, Any]) -> bool:
    return bool(arguments.get("amount", 0) > 1000)


def build_args(ctx: Any) -> dict[str, Any]:
    return {}


def wire(spec: TriggerSpec) -> dict[str, Any]:
    return json_format.MessageToDict(
        trigger_to_proto(spec, "target", "app"), preserving_proto_field_name=True
    )


def test_status_defaults_to_success_and_parses_names_case_insensitively() -> None:
    spec = (
        TriggerBuilder()
        .on_status("source")
        .on_status("source", statuses=["success", InvocationStatus.FAILED, " Retry "])
        .on_status("source", statuses="running")
        .with_logic("OR")
        .build()
    )
    assert spec.conditions == (
        StatusCondition("source", (InvocationStatus.SUCCESS,)),
        StatusCondition(
            "source", (InvocationStatus.SUCCESS, InvocationStatus.FAILED, InvocationStatus.RETRY)
        ),
        StatusCondition("source", (InvocationStatus.RUNNING,)),
    )
    assert spec.logic == "or"
    assert wire(spec)["conditions"][1] == {
        "status": {"task_id": "source", "statuses": ["SUCCESS", "FAILED", "RETRY"]}
    }


def test_unknown_status_is_refused_at_build_time_naming_the_valid_ones() -> None:
    with pytest.raises(
        ValueError, match=r"on_status: statuses: unknown status 'DONE'; use one of REGISTERED, .*RETRY"
    ):
        TriggerBuilder().on_status("source", statuses=["DONE"])
    with pytest.raises(ValueError, match="statuses is empty"):
        TriggerBuilder().on_status("source", statuses=[])


def test_shorthands_and_result_conditions() -> None:
    spec = (
        TriggerBuilder()
        .on_success("a")
        .on_failure("a", call_arguments={"priority": "high"})
        .on_result("a", filter_result=2.5)
        .on_result("a", filter_result=None)
        .on_any_result("a", call_arguments=cel("arguments.amount > 10"))
        .build()
    )
    assert spec.conditions == (
        StatusCondition("a", (InvocationStatus.SUCCESS,)),
        StatusCondition("a", (InvocationStatus.FAILED,), ValueFilter({"priority": "high"})),
        ResultCondition("a", ValueFilter(2.5)),
        ResultCondition("a", ValueFilter(None)),  # JSON null is a value to match, not "any result"
        ResultCondition("a", None, cel("arguments.amount > 10")),
    )
    conditions = wire(spec)["conditions"]
    assert conditions[2] == {"result": {"task_id": "a", "filter_result": {"value": 2.5}}}
    assert conditions[3] == {"result": {"task_id": "a", "filter_result": {"value": None}}}
    assert conditions[4] == {"result": {"task_id": "a", "call_arguments": {"cel": "arguments.amount > 10"}}}


def test_function_filters_and_providers_carry_their_identity() -> None:
    spec = (
        TriggerBuilder()
        .on_status("process_order", call_arguments=is_large_order)
        .with_args_static({"level": "info"})
        .with_args_from_result(build_args)
        .with_args_from_context(build_args)
        .with_args_from_cel("{'a': 1}")
        .build()
    )
    identity = f"{__name__}:is_large_order"
    assert spec.conditions == (
        StatusCondition("process_order", (InvocationStatus.SUCCESS,), FunctionRef(identity, is_large_order)),
    )
    provider = FunctionRef(f"{__name__}:build_args", build_args)
    assert spec.providers == (
        StaticArgs({"level": "info"}),
        FunctionProvider(provider, "result"),
        FunctionProvider(provider, None),
        cel("{'a': 1}"),
    )
    assert [ref.id for ref in spec.functions()] == [identity, provider.id, provider.id]
    assert wire(spec)["argument_providers"] == [
        {"static": {"level": "info"}},
        {"function": {"function": provider.id, "context": "CONTEXT_KIND_RESULT"}},
        {"function": {"function": provider.id}},
        {"cel": "{'a': 1}"},
    ]


def test_exception_types_take_names_classes_or_lists() -> None:
    spec = (
        TriggerBuilder()
        .on_exception("divide", exception_types="ZeroDivisionError")
        .on_exception("divide", exception_types=[ValueError, "KeyError"])
        .on_exception("divide", exception_types=ArithmeticError)
        .on_exception("divide")
        .with_logic("or")
        .build()
    )
    assert [c.exception_types for c in spec.conditions if isinstance(c, ExceptionCondition)] == [
        ("ZeroDivisionError",),
        ("ValueError", "KeyError"),
        ("ArithmeticError",),
        (),
    ]
    with pytest.raises(TypeError, match="exception_types holds 3"):
        TriggerBuilder().on_exception("divide", exception_types=[3])  # type: ignore[list-item]


def test_cron_and_events() -> None:
    spec = (
        TriggerBuilder()
        .on_cron("*/30 * * * *")
        .on_cron("0 */5 * * * *", timezone="Europe/Madrid", misfire="ALL", catch_up_window=timedelta(hours=1))  # type: ignore[arg-type]
        .on_event("user.login", payload_filter={"role": "admin"})
        .with_logic("or")
        .build()
    )
    assert spec.conditions == (
        CronCondition("*/30 * * * *"),
        CronCondition("0 */5 * * * *", "Europe/Madrid", "all", 3_600_000),
        EventCondition("user.login", ValueFilter({"role": "admin"})),
    )
    assert wire(spec)["conditions"][1] == {
        "cron": {
            "expression": "0 */5 * * * *",
            "timezone": "Europe/Madrid",
            "misfire": "MISFIRE_POLICY_ALL",
            "catch_up_window_ms": "3600000",
        }
    }
    with pytest.raises(ValueError, match="has 3 fields; use 5, or 6 with seconds first"):
        TriggerBuilder().on_cron("* * *")
    with pytest.raises(ValueError, match="misfire 'later' is not one of skip, once, all"):
        TriggerBuilder().on_cron("* * * * *", misfire="later")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="on_event: the event code must be a non-empty string"):
        TriggerBuilder().on_event(" ")


def test_joins_take_a_window_and_a_correlation_key() -> None:
    spec = (
        TriggerBuilder()
        .on_event("order.paid")
        .on_event("order.shipped")
        .within(timedelta(minutes=5))
        .correlate_by("orderId", max_pending=100)
        .build()
    )
    assert (spec.logic, spec.within_ms, spec.correlation_key, spec.max_pending) == (
        "and",
        300_000,
        "orderId",
        100,
    )
    assert wire(spec)["join"] == {"within_ms": "300000", "correlation_key": "orderId", "max_pending": 100}
    with pytest.raises(ValueError, match="within\\(\\) and correlate_by\\(\\) apply to AND triggers"):
        TriggerBuilder().on_event("a").on_event("b").with_logic("or").within(10).build()
    with pytest.raises(ValueError, match="within: expects milliseconds ≥ 0"):
        TriggerBuilder().within(-1)


def test_a_builder_needs_a_condition_and_known_logic() -> None:
    with pytest.raises(ValueError, match="add a condition"):
        TriggerBuilder().build()
    with pytest.raises(ValueError, match='with_logic: \'xor\' is not "and" or "or"'):
        TriggerBuilder().with_logic("xor")


def test_filters_must_be_json_dicts_cel_or_functions() -> None:
    with pytest.raises(TypeError, match="on_status: call_arguments: must be a dict of keys to match"):
        TriggerBuilder().on_status("a", call_arguments=["high"])
    with pytest.raises(TypeError, match=r"on_event: payload_filter\.when: datetime is not JSON-serialisable"):
        from datetime import datetime

        TriggerBuilder().on_event("a", payload_filter={"when": datetime.now()})
    with pytest.raises(
        TypeError, match=r"with_args_static: arguments\.ids\[1\]: set is not JSON-serialisable"
    ):
        TriggerBuilder().with_args_static({"ids": [1, {2}]})
    with pytest.raises(TypeError, match="with_args_static: arguments: must be a dict"):
        TriggerBuilder().with_args_static([1])  # type: ignore[arg-type]


def test_task_references_are_tasks_or_names() -> None:
    def plain(x: int) -> int:
        return x

    with pytest.raises(
        TypeError, match=r"plain is a plain function, not a task; decorate it with @app\.task"
    ):
        TriggerBuilder().on_success(plain)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expects a task .* got int"):
        TriggerBuilder().on_success(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the task name is empty"):
        TriggerBuilder().on_success("")
