"""What a Pynenc user expects of the SDK: events listed and replayed, Pynenc's task
options and builder names, and a failed invocation's error raised as its own class."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import successful_runs

from nenc import Nenc, NotFoundError, TaskFailedError, TriggerBuilder, cel
from nenc.trigger.spec import EventCondition, StatusCondition

ATTEMPTS: dict[str, int] = {}


class Flaky(Exception):
    pass


class NeedsTwoArguments(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"{code}: {detail}")


def flaky(key: str) -> str:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] < 3:
        raise Flaky(f"attempt {ATTEMPTS[key]}")
    return f"ok after {ATTEMPTS[key]}"


def not_retried(key: str) -> None:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    raise KeyError(key)


def builtin_error(n: int) -> None:
    raise ValueError(f"bad n {n}")


def two_arguments() -> None:
    raise NeedsTwoArguments(7, "refused")


def audited(code: str, n: int) -> str:
    return f"{code} {n}"


def context_args(ctx: object) -> dict[str, object]:
    return {"code": "from-context", "n": 0}


def test_list_events_and_replay_one_event_for_a_trigger_added_later(app: Nenc) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    first = app.trigger.emit_event("order.paid", {"n": 1})
    second = app.trigger.emit_event("order.paid", {"n": 2})
    app.trigger.emit_event("order.refunded", {"n": 3})
    listed = app.trigger.list_events(code="order.paid", since=before)
    assert [(event.id, event.code, event.payload) for event in listed] == [
        (first, "order.paid", {"n": 1}),
        (second, "order.paid", {"n": 2}),
    ]
    assert listed[0].emitted_at >= before and listed[0].idempotency_key is None
    assert app.trigger.list_events(code="order.paid", until=before) == []
    app.task(
        triggers=TriggerBuilder()
        .on_event("order.paid")
        .with_args_from_cel("{'code': 'paid', 'n': payload.n}")
    )(audited)
    with app.start_worker():
        assert app.trigger.replay_event(second) == 1
        runs = successful_runs(app, "audited", 1)
        assert [run.result for run in runs] == ["paid 2"]
        assert app.trigger.replay_event(second) == 1  # fired already: nothing more
        with pytest.raises(NotFoundError, match="evt_missing"):
            app.trigger.replay_event("evt_missing")
    assert len(app.list_invocations(task_id="audited")) == 1
    with pytest.raises(ValueError, match="aware datetime"):
        app.trigger.list_events(since=datetime.now())


def test_max_retries_and_retry_for_retry_only_those_exceptions(app: Nenc) -> None:
    flaky_task = app.task(max_retries=3, retry_for=(Flaky,))(flaky)
    strict = app.task(max_retries=3, retry_for=(Flaky,))(not_retried)
    with app.start_worker(concurrency=2):
        assert flaky_task("f").result == "ok after 3"
        with pytest.raises(KeyError):
            strict("s").wait(timeout=15)
    assert ATTEMPTS["s"] == 1, "KeyError is not in retry_for: no retry"
    with pytest.raises(ValueError, match="not both"):
        app.task(retry=2, max_retries=2)(builtin_error)
    with pytest.raises(ValueError, match="retry_for needs max_retries"):
        app.task(retry_for=(Flaky,))(builtin_error)


def test_pynenc_builder_names_build_what_nencs_do() -> None:
    named = (
        TriggerBuilder()
        .add_condition(EventCondition("a"))
        .add_condition(StatusCondition("t"))
        .with_logic("or")
        .with_arguments({"x": 1})
        .with_args_provider({"y": 2})
        .with_args_provider(cel("{'z': 3}"))
        .with_args_from_trigger_context(context_args)
        .build()
    )
    nencs = (
        TriggerBuilder()
        .on_event("a")
        .on_status("t")
        .with_logic("or")
        .with_args_static({"x": 1})
        .with_args_static({"y": 2})
        .with_args_from_cel("{'z': 3}")
        .with_args_from_context(context_args)
        .build()
    )
    assert named == nencs
    with pytest.raises(TypeError, match="add_condition: takes a condition"):
        TriggerBuilder().add_condition("on_event('a')")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="with_args_provider: takes a mapping"):
        TriggerBuilder().with_args_provider(42)  # type: ignore[arg-type]


def test_a_failed_invocation_raises_its_own_class_when_the_caller_has_it(app: Nenc) -> None:
    builtin = app.task(builtin_error)
    own = app.task(flaky)
    refusing = app.task(two_arguments)
    with app.start_worker(concurrency=2):
        with pytest.raises(ValueError, match="bad n 5") as value_error:
            builtin(5).wait(timeout=15)
        ATTEMPTS["own"] = 0
        with pytest.raises(Flaky, match="attempt 1") as flaky_error:
            own("own").wait(timeout=15)
        with pytest.raises(TaskFailedError) as plain:
            refusing().wait(timeout=15)
    for raised in (value_error.value, flaky_error.value):
        assert isinstance(raised, TaskFailedError), "except TaskFailedError still catches it"
        assert raised.remote_stack.startswith("Traceback (most recent call last):")
        assert any("remote traceback" in note for note in raised.__notes__)
    assert isinstance(flaky_error.value, TaskFailedError)
    assert flaky_error.value.chain == ["Flaky", "Exception", "BaseException"]
    # A class that cannot be made from the message alone: TaskFailedError, with all it knows.
    assert not isinstance(plain.value, NeedsTwoArguments)
    assert (plain.value.remote_type, plain.value.remote_message) == ("NeedsTwoArguments", "7: refused")
    assert "NeedsTwoArguments: 7: refused" in plain.value.remote_stack


def kinds(amount: float, factors: list[float], limit: float | None = None, **extra: float) -> list[str]:
    values = [amount, *factors, limit, *extra.values()]
    return [type(value).__name__ for value in values]


def doubled(x: float) -> float:
    return x * 2


def incremented(n: int) -> int:
    return n + 1


def untyped(x):  # type: ignore[no-untyped-def]
    return x


def test_floats_stay_floats_and_ints_ints_as_the_annotations_say(app: Nenc) -> None:
    kinds_task = app.task(kinds)
    doubled_task = app.task(doubled)
    incremented_task = app.task(incremented)
    untyped_task = app.task(untyped)
    with app.start_worker(concurrency=2):
        # 2.0, 1.0 and 5.0 travel as 2, 1 and 5 (the wire keeps no number kind): the task gets floats.
        assert kinds_task(2.0, [1.0, 3.5], limit=5.0, bonus=1.0).result == ["float"] * 5
        result = doubled_task(2.0).result
        assert (result, type(result)) == (4.0, float)
        count = incremented_task(2).result
        assert (count, type(count)) == (3, int)
        # Without annotations the kind is the wire's: an integral number reads as an int.
        assert untyped_task(2.0).result == 2 and type(untyped_task(2.5).result) is float
