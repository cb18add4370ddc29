"""Proto <-> Python conversion: JSON values, contexts, invocations, errors."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from google.protobuf.struct_pb2 import Struct, Value
from google.protobuf.timestamp_pb2 import Timestamp

from nenc import (
    Arguments,
    CronContext,
    EventContext,
    ExceptionContext,
    InvalidArgumentError,
    InvocationStatus,
    NencError,
    NotFoundError,
    ResourceExhaustedError,
    ResultContext,
    StatusContext,
    UnavailableError,
)
from nenc._impl.convert import context_from_proto, describe_error, invocation_info
from nenc._impl.errors import error_from_rpc
from nenc._impl.values import from_struct, from_value, to_struct, to_value
from nenc.v1 import context_pb2, invocation_pb2

WHEN = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


def stamp(moment: datetime = WHEN) -> Timestamp:
    timestamp = Timestamp()
    timestamp.FromDatetime(moment)
    return timestamp


def struct(value: dict[str, Any]) -> Struct:
    return to_struct(value, "test")


def test_json_values_round_trip_and_integral_numbers_come_back_as_int() -> None:
    value = {
        "x": 10,
        "ratio": 2.5,
        "ok": True,
        "none": None,
        "items": (1, "a", [2.0]),
        "nested": {"b": 1, "a": 2},
    }
    back = from_value(to_value(value, "v"))
    assert back == {
        "x": 10,
        "ratio": 2.5,
        "ok": True,
        "none": None,
        "items": [1, "a", [2]],
        "nested": {"a": 2, "b": 1},
    }
    assert type(back["x"]) is int and type(back["items"][2][0]) is int and type(back["ratio"]) is float
    assert list(back["nested"]) == ["a", "b"], "keys come back sorted (protobuf maps keep no order)"
    assert from_value(Value()) is None and from_struct(None) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"n": math.nan}, r"payload\.n: nan is not a JSON number"),
        ({"n": 2**53}, r"payload\.n: the integer 9007199254740992 is beyond ±2\*\*53"),
        ({1: "a"}, r"payload: key 1 is a int; JSON object keys are strings"),
        ({"a": [object()]}, r"payload\.a\[0\]: object is not JSON-serialisable"),
        (["not", "a", "dict"], r"payload: must be a dict of named values, got list"),
    ],
)
def test_values_json_cannot_carry_are_refused_naming_the_path(value: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        to_struct(value, "payload")


def test_self_containing_values_are_refused() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(TypeError, match=r"v\[0\]: contains itself"):
        to_value(loop, "v")


def test_exception_context_has_the_seed_fields() -> None:
    message = context_pb2.TriggerContext(
        exception=context_pb2.ExceptionContext(
            invocation_id="inv_1",
            task_id="divide",
            arguments=struct({"x": 10, "y": 0}),
            status=invocation_pb2.FAILED,
            timestamp=stamp(),
            exception_type="ZeroDivisionError",
            exception_message="division by zero",
            exception_chain=["ZeroDivisionError", "ArithmeticError"],
            stack="Traceback ...",
        )
    )
    assert context_from_proto(message) == ExceptionContext(
        invocation_id="inv_1",
        task_id="divide",
        arguments=Arguments({"x": 10, "y": 0}),
        status=InvocationStatus.FAILED,
        timestamp=WHEN,
        exception_type="ZeroDivisionError",
        exception_message="division by zero",
        exception_chain=["ZeroDivisionError", "ArithmeticError"],
        stack="Traceback ...",
    )
    ctx = context_from_proto(message)
    assert isinstance(ctx, ExceptionContext)
    assert ctx.arguments.kwargs == {"x": 10, "y": 0}
    assert ctx.status == "FAILED" and ctx.timestamp.tzinfo is UTC


def test_status_result_event_and_cron_contexts() -> None:
    status = context_from_proto(
        context_pb2.TriggerContext(
            status=context_pb2.StatusContext(
                invocation_id="i", task_id="t", status=invocation_pb2.SUCCESS, timestamp=stamp()
            )
        )
    )
    assert (
        isinstance(status, StatusContext)
        and status.arguments.kwargs == {}
        and status.status is InvocationStatus.SUCCESS
    )

    result = context_from_proto(
        context_pb2.TriggerContext(
            result=context_pb2.ResultContext(
                task_id="t", status=invocation_pb2.SUCCESS, result=to_value({"total": 3}, "r")
            )
        )
    )
    assert isinstance(result, ResultContext) and result.result == {"total": 3}
    assert not isinstance(result, StatusContext), "each kind is its own class, so isinstance dispatch works"

    event = context_from_proto(
        context_pb2.TriggerContext(
            event=context_pb2.EventContext(
                event_id="evt_1", event_code="user.login", payload=struct({"role": "admin"})
            )
        )
    )
    assert event == EventContext(
        event_id="evt_1", event_code="user.login", payload={"role": "admin"}, timestamp=None
    )

    cron = context_from_proto(
        context_pb2.TriggerContext(cron=context_pb2.CronContext(scheduled_time=stamp(), fired_at=stamp()))
    )
    assert cron == CronContext(scheduled_time=WHEN, fired_at=WHEN, last_scheduled_time=None)
    with pytest.raises(ValueError, match="empty context"):
        context_from_proto(context_pb2.TriggerContext())


def test_invocation_info() -> None:
    message = invocation_pb2.Invocation(
        id="inv_2",
        task_id="divide",
        app_id="app",
        status=invocation_pb2.FAILED,
        arguments=struct({"x": 1, "y": 0}),
        error=invocation_pb2.TaskError(
            type="ZeroDivisionError", message="division by zero", chain=["ZeroDivisionError"]
        ),
        attempt=1,
        provenance=invocation_pb2.Provenance(trigger_id="trg", occurrence_ids=["evt_1"], event_ids=["evt_1"]),
        created_at=stamp(),
    )
    info = invocation_info(message)
    assert (info.status, info.arguments, info.result, info.trigger_id) == (
        InvocationStatus.FAILED,
        {"x": 1, "y": 0},
        None,
        "trg",
    )
    assert info.error is not None and info.error.chain == ["ZeroDivisionError"]
    assert info.provenance is not None and info.provenance.event_ids == ["evt_1"]
    assert (info.created_at, info.updated_at) == (WHEN, None)
    assert (
        invocation_info(invocation_pb2.Invocation(id="i", status=invocation_pb2.SUCCESS)).provenance is None
    )


def test_exceptions_are_described_with_their_mro() -> None:
    class PaymentError(Exception):
        pass

    class CardDeclined(PaymentError):
        pass

    try:
        raise CardDeclined("card 4242 declined")
    except CardDeclined as error:
        described = describe_error(error)
    assert (described.type, described.message) == ("CardDeclined", "card 4242 declined")
    assert list(described.chain) == ["CardDeclined", "PaymentError", "Exception", "BaseException"]
    assert "raise CardDeclined" in described.stack
    assert list(describe_error(ZeroDivisionError("x")).chain)[:2] == ["ZeroDivisionError", "ArithmeticError"]


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


def test_rpc_errors_become_typed_errors() -> None:
    invalid = error_from_rpc(FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "code: is required"))
    assert isinstance(invalid, InvalidArgumentError) and (invalid.code, str(invalid)) == (
        "INVALID_ARGUMENT",
        "code: is required",
    )
    assert isinstance(error_from_rpc(FakeRpcError(grpc.StatusCode.NOT_FOUND, "no task")), NotFoundError)
    down = error_from_rpc(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused"), "127.0.0.1:1")
    assert (
        isinstance(down, UnavailableError)
        and str(down) == "no orchestrator answers at 127.0.0.1:1: connection refused"
    )
    limit = error_from_rpc(FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, "too big"))
    assert isinstance(limit, ResourceExhaustedError) and limit.code == "RESOURCE_EXHAUSTED"
    other = error_from_rpc(FakeRpcError(grpc.StatusCode.INTERNAL, "oops"))
    assert type(other) is NencError and other.code == "INTERNAL"
