"""The worker and the client calls against a real orchestrator."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from support import (
    FIXTURES,
    Process,
    child_env,
    runs,
    settle,
    start_orchestrator,
    successful_runs,
    wait_until,
)
from tcp_proxy import TcpProxy

from nenc import (
    CronContext,
    EventContext,
    InvalidArgumentError,
    InvocationStatus,
    InvocationTimeoutError,
    Nenc,
    NotFoundError,
    RetryPolicy,
    TaskFailedError,
    TriggerBuilder,
    TriggerContext,
    UnavailableError,
    cel,
)

# Module-level tasks, filters and providers (trigger functions must be module-level).


class PaymentError(Exception):
    pass


class CardDeclined(PaymentError):
    pass


async def add(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


def charge(card: str) -> None:
    raise CardDeclined(f"card {card} declined")


def not_json() -> object:
    return object()


ATTEMPTS: dict[str, int] = {}


def flaky(key: str) -> str:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] == 1:
        raise ConnectionError("first attempt fails")
    return f"attempt {ATTEMPTS[key]}"


def echo(**arguments: Any) -> dict[str, Any]:
    return arguments


def nest(depth: int) -> Any:
    """``{"a": {"a": ... 1}}``, ``depth`` dicts deep (a scalar is 0 levels, ``{"a": 1}`` 1)."""
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


DEEP_RUNS: dict[int, int] = {}


def deep(depth: int) -> Any:
    DEEP_RUNS[depth] = DEEP_RUNS.get(depth, 0) + 1
    return nest(depth)


def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"


def broken_filter(payload: dict[str, Any]) -> bool:
    raise KeyError("vip")


def not_a_dict_provider(ctx: EventContext) -> Any:
    return ["not", "named", "arguments"]


def only_vip(payload: dict[str, Any]) -> bool:
    return payload.get("tier") == "vip"


def codes_of_every_context(ctx: EventContext, contexts: Sequence[TriggerContext]) -> dict[str, Any]:
    return {
        "completed_by": ctx.event_code,
        "codes": [c.event_code for c in contexts if isinstance(c, EventContext)],
        "order": ctx.payload["orderId"],
    }


def cron_args(ctx: CronContext) -> dict[str, Any]:
    assert isinstance(ctx, CronContext)
    return {
        "scheduled": ctx.scheduled_time.isoformat(),
        "fired_at": ctx.fired_at.isoformat(),
        "last": ctx.last_scheduled_time.isoformat() if ctx.last_scheduled_time else None,
    }


def test_sync_and_async_tasks_return_json_results(app: Nenc) -> None:
    adder = app.task(add)
    app.task(not_json)
    with app.start_worker(concurrency=2) as worker:
        states = [worker.state]
        assert adder(2, b=3).result == 5
        with pytest.raises(TaskFailedError) as failure:
            app.invoke("not_json").wait(timeout=15)
    assert failure.value.remote_type == "ResultNotAccepted"
    assert failure.value.chain[:3] == ["ResultNotAccepted", "ResultNotAcceptedError", "TypeError"]
    assert "the result of task not_json: object is not JSON-serialisable" in failure.value.remote_message
    states.append(worker.state)
    assert states == ["RUNNING", "STOPPED"]


def test_values_64_levels_deep_travel_and_deeper_results_fail_only_their_invocation(app: Nenc) -> None:
    echoer = app.task(echo)
    deeper = app.task(
        retry=RetryPolicy(max_retries=1, initial_backoff_ms=1, retry_on=("ResultNotAccepted",))
    )(deep)
    with app.start_worker(concurrency=2):
        assert echoer(**nest(64)).result == nest(64)
        assert deeper(64).result == nest(64)
        refused = deeper(65)
        with pytest.raises(TaskFailedError) as failure:
            refused.wait(timeout=15)
        assert echoer(after="refusal").result == {"after": "refusal"}
    assert failure.value.remote_type == "ResultNotAccepted"
    assert failure.value.remote_message == (
        "the result of task deep is nested more than 64 levels deep; the limit is 64 levels of "
        "JSON nesting (flatten the value or send a reference instead)"
    )
    # The retry policy applied: retry_on names the type the SDK and the orchestrator both use.
    assert (refused.get().attempt, DEEP_RUNS[65]) == (2, 2)
    with pytest.raises(TypeError, match="arguments is nested more than 64 levels deep"):
        app.invoke("echo", nest(65))


def test_task_errors_carry_type_message_and_mro_chain(app: Nenc) -> None:
    charger = app.task(charge)
    with app.start_worker():
        invocation = charger("4242")
        with pytest.raises(TaskFailedError) as failure:
            invocation.wait(timeout=15)
    error = failure.value
    assert (error.invocation_id, error.remote_type, error.remote_message) == (
        invocation.id,
        "CardDeclined",
        "card 4242 declined",
    )
    assert error.chain == ["CardDeclined", "PaymentError", "Exception", "BaseException"]
    assert "raise CardDeclined" in error.remote_stack
    # The caller has CardDeclined: the error is one (and a TaskFailedError), as the task raised it.
    assert isinstance(error, CardDeclined) and str(error) == "card 4242 declined"
    assert invocation.status is InvocationStatus.FAILED


def test_retries_follow_the_task_policy(app: Nenc) -> None:
    task = app.task(retry=RetryPolicy(max_retries=2, initial_backoff_ms=20, retry_on=(ConnectionError,)))(
        flaky
    )
    with app.start_worker():
        invocation = task("retry-test")
        assert invocation.wait(timeout=15) == "attempt 2"
    assert invocation.get().attempt == 2
    assert ATTEMPTS["retry-test"] == 2


def test_failing_filters_and_providers_are_recorded_and_never_run_the_task(app: Nenc) -> None:
    app.task(name="filtered", triggers=TriggerBuilder().on_event("signup", payload_filter=broken_filter))(
        echo
    )
    app.task(
        name="provided",
        triggers=TriggerBuilder().on_event("signup").with_args_from_event(not_a_dict_provider),
    )(echo)
    with app.start_worker():
        event_id = app.trigger.emit_event("signup", {"user": "u1"})
        settle(app, ["filtered", "provided"], [event_id])
        details = {
            task: [
                (e.outcome, e.detail)
                for trigger in app.trigger.list(target_task_id=task)
                for e in app.trigger.explain(trigger.id).evaluations
            ]
            for task in ("filtered", "provided")
        }
    [(outcome, detail)] = details["filtered"]
    assert outcome == "errored" and "KeyError: 'vip'" in detail
    [(outcome, detail)] = details["provided"]
    assert outcome == "errored" and "returned list; return a dict of named arguments" in detail
    assert runs(app, "filtered") == [] and runs(app, "provided") == []


def test_providers_with_a_second_parameter_see_every_context(app: Nenc) -> None:
    app.task(
        name="ship_report",
        triggers=TriggerBuilder()
        .on_event("order.paid")
        .on_event("order.shipped")
        .correlate_by("orderId")
        .within(timedelta(minutes=1))
        .with_args_from_event(codes_of_every_context),
    )(echo)
    with app.start_worker():
        paid = app.trigger.emit_event("order.paid", {"orderId": "o1"})
        other = app.trigger.emit_event("order.shipped", {"orderId": "o2"})
        shipped = app.trigger.emit_event("order.shipped", {"orderId": "o1"})
        settle(app, ["ship_report"], [paid, other, shipped])
        [report] = successful_runs(app, "ship_report", 1)
    assert report.arguments == {
        "completed_by": "order.shipped",
        "codes": ["order.paid", "order.shipped"],
        "order": "o1",
    }
    assert report.provenance is not None and sorted(report.provenance.event_ids) == sorted([paid, shipped])
    assert len(runs(app, "ship_report")) == 1


def test_runtime_triggers_announce_their_functions_to_running_workers(app: Nenc) -> None:
    greet = app.task(name="greet_vip")(echo)
    with app.start_worker():
        trigger_id = (
            app.trigger.on_event("login", payload_filter=only_vip)
            .with_args_static({"hello": "vip"})
            .register(greet)
        )
        assert app.functions.ids() == [f"{__name__}:only_vip"]
        vip = app.trigger.emit_event("login", {"tier": "vip"})
        regular = app.trigger.emit_event("login", {"tier": "basic"})
        settle(app, ["greet_vip"], [vip, regular])
        [run] = successful_runs(app, "greet_vip", 1)
        assert (run.arguments, run.trigger_id) == ({"hello": "vip"}, trigger_id)
        # The two events' filters run concurrently on the worker: their records may end in either order.
        assert sorted(e.outcome for e in app.trigger.explain(trigger_id).evaluations) == [
            "filtered_out",
            "fired",
        ]
        assert (
            app.trigger.on_event("login", payload_filter=only_vip)
            .with_args_static({"hello": "vip"})
            .register("greet_vip")
            == trigger_id
        ), "the same definition gives the same id"


def test_cron_contexts_carry_the_scheduled_slot(app: Nenc) -> None:
    app.task(name="tick", triggers=TriggerBuilder().on_cron("* * * * * *").with_args_from_cron(cron_args))(
        echo
    )
    with app.start_worker():
        ticks = successful_runs(app, "tick", 2, timeout=10)
    scheduled = [datetime.fromisoformat(tick.arguments["scheduled"]) for tick in ticks]
    assert len(set(scheduled)) == len(scheduled) and all(s.microsecond == 0 for s in scheduled)
    for tick, slot in zip(ticks, scheduled, strict=True):
        assert datetime.fromisoformat(tick.arguments["fired_at"]) >= slot
        last = tick.arguments["last"]
        assert last is None or datetime.fromisoformat(last) == slot - timedelta(seconds=1)


def test_emit_event_is_idempotent_with_a_key(app: Nenc) -> None:
    first = app.trigger.emit_event("payment.received", {"amount": 5}, idempotency_key="pay-1")
    assert app.trigger.emit_event("payment.received", {"amount": 5}, idempotency_key="pay-1") == first
    assert app.trigger.emit_event("payment.received", {"amount": 5}) != first


def test_bad_requests_are_typed_errors_naming_the_field(app: Nenc) -> None:
    with pytest.raises(NotFoundError, match="no_such_task"):
        app.invoke("no_such_task", {})
    with pytest.raises(InvalidArgumentError, match="code"):
        app.trigger.emit_event("", {})
    with pytest.raises(TypeError, match=r"payload\.when: datetime is not JSON-serialisable"):
        app.trigger.emit_event("user.login", {"when": datetime.now()})
    with pytest.raises(NotFoundError):
        app.trigger.pause("trg_missing")
    app.task(name="bad_cel", triggers=TriggerBuilder().on_event("x", payload_filter=cel("payload.amount >")))(
        echo
    )
    with pytest.raises(InvalidArgumentError, match="payloadFilter"):
        app.start_worker()
    with pytest.raises(UnavailableError, match=r"no orchestrator answers at 127\.0\.0\.1:9"):
        Nenc(url="http://127.0.0.1:9").trigger.emit_event("x")


def test_waiting_for_a_result_can_time_out(app: Nenc) -> None:
    app.task(name="never_run")(echo)
    app.register()  # registered, but no worker runs it
    invocation = app.invoke("never_run", {"a": 1})
    with pytest.raises(
        InvocationTimeoutError, match=f"invocation {invocation.id} is still REGISTERED after 0.3 s"
    ):
        invocation.wait(timeout=0.3)


def test_stop_drains_running_tasks(app: Nenc) -> None:
    napper = app.task(nap)
    worker = app.start_worker(concurrency=2)
    invocation = napper(0.5)
    wait_until(lambda: invocation.status is InvocationStatus.RUNNING, "the task to run")
    stopping = threading.Thread(target=worker.stop)
    stopping.start()
    stopping.join(timeout=20)
    assert not stopping.is_alive() and worker.state == "STOPPED" and worker.in_flight == 0
    assert invocation.get().status is InvocationStatus.SUCCESS
    assert invocation.wait(timeout=1) == "rested"


PREFETCH_GATE = threading.Event()
PREFETCHED_RUNNING: list[int] = [0, 0]  # now, peak
PREFETCHED_LOCK = threading.Lock()


def prefetched(n: int) -> int:
    with PREFETCHED_LOCK:
        PREFETCHED_RUNNING[0] += 1
        PREFETCHED_RUNNING[1] = max(PREFETCHED_RUNNING[1], PREFETCHED_RUNNING[0])
    PREFETCH_GATE.wait(20)
    with PREFETCHED_LOCK:
        PREFETCHED_RUNNING[0] -= 1
    return n


def test_prefetch_holds_work_beyond_concurrency_and_runs_one_thread_at_a_time(app: Nenc) -> None:
    with pytest.raises(ValueError, match="prefetch must be an int from 0 to 1000"):
        app.start_worker(concurrency=1, prefetch=-1)
    task = app.task(prefetched)
    PREFETCH_GATE.clear()
    with app.start_worker(concurrency=1, prefetch=2) as worker:
        invocations = [task(n) for n in range(5)]
        wait_until(lambda: worker.in_flight == 1, "one task running")
        # One running, two held by the worker (prefetch), two left in the queue.
        wait_until(
            lambda: sum(i.status is InvocationStatus.REGISTERED for i in invocations) == 2,
            "three handed to the worker",
        )
        assert [i.status for i in invocations].count(InvocationStatus.REGISTERED) == 2
        PREFETCH_GATE.set()
        assert [i.wait(timeout=15) for i in invocations] == [0, 1, 2, 3, 4]
    assert PREFETCHED_RUNNING == [0, 1]
    assert [i.get().attempt for i in invocations] == [1, 1, 1, 1, 1]


PROVIDER_CALLED = threading.Event()


def slow_provider(ctx: EventContext) -> dict[str, Any]:
    PROVIDER_CALLED.set()
    time.sleep(0.5)
    return {"event": ctx.event_id}


def test_stop_drains_function_evaluations_too(app: Nenc) -> None:
    app.task(
        name="slowly_provided", triggers=TriggerBuilder().on_event("slow").with_args_from_event(slow_provider)
    )(echo)
    worker = app.start_worker()
    event_id = app.trigger.emit_event("slow")
    assert PROVIDER_CALLED.wait(timeout=10)
    worker.stop()  # while the provider runs: its answer still goes out before the stream closes
    [trigger] = app.trigger.list(target_task_id="slowly_provided")
    fired = wait_until(
        lambda: [e for e in app.trigger.explain(trigger.id).evaluations if e.outcome == "fired"],
        "the trigger to fire",
    )
    assert [e.occurrence_id for e in fired] == [event_id]
    assert [run.arguments for run in runs(app, "slowly_provided")] == [{"event": event_id}]


def test_the_worker_reconnects_and_registers_again_after_an_orchestrator_restart(tmp_path: Path) -> None:
    first, url = start_orchestrator(tmp_path / "first.log")
    port = urlsplit(url).port
    assert port is not None
    with Nenc(url=url, app_id="restart") as app:
        task = app.task(echo)
        worker = app.start_worker()
        try:
            assert task(step=1).wait(timeout=15) == {"step": 1}
            first.stop()
            second, second_url = start_orchestrator(tmp_path / "second.log", port=port)
            try:
                assert second_url == url
                # The memory store forgot the app: the worker's hello gets NOT_FOUND and it registers again.
                wait_until(lambda: _invokes(app), "echo to run on the new orchestrator")
                assert app.list_invocations(task_id="echo")[0].arguments == {"step": 2}
                assert app.list_invocations(task_id="echo")[0].status is InvocationStatus.SUCCESS
                assert worker.state == "RUNNING"
            finally:
                worker.stop()
                second.stop()
        finally:
            first.stop()


def test_the_worker_registers_again_when_redis_lost_its_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nenc.worker")
    redis_port = _free_port()
    redis = Process(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        tmp_path,
        child_env(),
        tmp_path / "redis.log",
    )
    try:
        redis.wait_for_line("Ready to accept connections", timeout=15)
        orchestrator, url = start_orchestrator(
            tmp_path / "orchestrator.log", NENC_REDIS_URL=f"redis://127.0.0.1:{redis_port}"
        )
        try:
            with Nenc(url=url, app_id="restart") as app:
                task = app.task(echo)
                worker = app.start_worker()
                try:
                    assert task(step=1).wait(timeout=15) == {"step": 1}
                    assert _redis_command(redis_port, "FLUSHALL") == b"+OK\r\n"
                    # The orchestrator closes the worker's stream with NOT_FOUND: it registers again.
                    wait_until(lambda: _invokes(app), "echo to run again", timeout=30)
                    assert worker.state == "RUNNING"
                    again = [
                        r.getMessage()
                        for r in caplog.records
                        if "registering the app again" in r.getMessage()
                    ]
                    assert len(again) == 1
                    assert "the orchestrator's store lost its data" in again[0]
                    wait_until(
                        lambda: "the store lost its data" in orchestrator.stderr(), "the loss to be logged"
                    )
                finally:
                    worker.stop()
        finally:
            orchestrator.stop()
    finally:
        redis.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _redis_command(port: int, command: str) -> bytes:
    """Sends one argument-less command over RESP and returns the raw reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(f"*1\r\n${len(command)}\r\n{command}\r\n".encode())
        return connection.recv(64)


def _invokes(app: Nenc) -> bool:
    try:
        result = app.invoke("echo", {"step": 2}).wait(timeout=10)
    except (NotFoundError, UnavailableError):  # not registered again yet; not reconnected yet
        return False
    return bool(result == {"step": 2})


GATE = threading.Event()
GATED_RETURNED = threading.Event()
GATED_RUNS: list[int] = []


def gated() -> str:
    GATED_RUNS.append(1)
    assert GATE.wait(20)
    GATED_RETURNED.set()
    return "done while offline"


def test_a_result_that_ends_while_disconnected_is_sent_on_the_next_stream(orchestrator_url: str) -> None:
    port = urlsplit(orchestrator_url).port
    assert port is not None
    proxy = TcpProxy(port)
    try:
        with Nenc(url=proxy.url, app_id="cut") as app, Nenc(url=orchestrator_url, app_id="caller") as caller:
            app.task(gated)
            with app.start_worker(concurrency=1):
                invocation = caller.invoke("gated", {})
                wait_until(lambda: invocation.status is InvocationStatus.RUNNING, "the task to run")
                # The worker's path to the orchestrator dies (which still sees the stream open)
                # and stays down while the task ends.
                proxy.refusing = True
                proxy.cut_clients()
                wait_until(lambda: proxy.refused > 0, "the worker to try to reconnect")
                GATE.set()
                assert GATED_RETURNED.wait(10)
                proxy.refusing = False
                assert invocation.wait(timeout=20) == "done while offline"
                assert (invocation.get().attempt, len(GATED_RUNS)) == (1, 1)
    finally:
        proxy.close()


NAPS: list[float] = []


def counted_nap(seconds: float) -> str:
    NAPS.append(seconds)
    time.sleep(seconds)
    return "rested"


def test_heartbeats_keep_a_long_task_leased(tmp_path: Path) -> None:
    """With a 600 ms lease, a 2 s task runs once only if the worker heartbeats as the welcome says."""
    orchestrator, url = start_orchestrator(
        tmp_path / "lease.log", NENC_LEASE_MS="600", NENC_HEARTBEAT_MS="150"
    )
    try:
        with Nenc(url=url, app_id="lease") as app:
            task = app.task(counted_nap)
            with app.start_worker(concurrency=2):
                invocation = task(2.0)
                assert invocation.wait(timeout=15) == "rested"
                info = invocation.get()
        assert (info.status, info.attempt, NAPS) == (InvocationStatus.SUCCESS, 1, [2.0])
    finally:
        orchestrator.stop()


def test_run_worker_serves_until_sigterm(app: Nenc, orchestrator_url: str, tmp_path: Path) -> None:
    process = Process(
        [sys.executable, str(FIXTURES / "py_worker.py")],
        FIXTURES,
        child_env(NENC_URL=orchestrator_url, NENC_APP_ID="py-worker-process"),
        tmp_path / "py-worker.log",
    )
    try:

        def shouted() -> str | None:
            try:
                return str(app.invoke("shout", {"word": "hello"}).wait(timeout=10))
            except NotFoundError:  # the process has not registered its app yet
                return None

        assert wait_until(shouted, "the worker process to run shout", timeout=30) == "HELLO"
        process.popen.send_signal(signal.SIGTERM)
        process.wait_for_line(r"^STOPPED$", timeout=15)
        assert process.popen.wait(timeout=10) == 0
    finally:
        process.stop()


def wait_for_cancellation() -> str:
    """Blocks until the orchestrator aborts the attempt; returns what the task saw."""
    import nenc

    current = nenc.current_invocation()
    assert current.wait_cancelled(timeout=30)
    return f"{current.cancelled} {current.attempt} {current.cancel_reason}"


def test_a_task_past_its_timeout_fails_with_timeout_error_and_sees_cancelled(app: Nenc) -> None:
    import nenc

    seen: list[str] = []

    def slow() -> str:
        seen.append(wait_for_cancellation())
        return "too late"

    task = app.task(name="slow", timeout_ms=200, retry=RetryPolicy(max_retries=1, initial_backoff_ms=0))(slow)
    app.task(
        name="on_timeout", triggers=TriggerBuilder().on_exception(task, exception_types=["TimeoutError"])
    )(echo_nothing)
    with app.start_worker():
        invocation = task()
        with pytest.raises(TaskFailedError) as failure:
            invocation.wait(timeout=15)
        wait_until(lambda: len(seen) == 2, "both attempts to see the cancellation")
        settle(app, ["on_timeout"], [invocation.id])
    error = failure.value
    assert (error.remote_type, error.remote_message) == (
        "TimeoutError",
        'attempt 2 of task "slow" did not end within its timeoutMs of 200 ms',
    )
    assert seen == [
        'True 1 timeout: attempt 1 of task "slow" did not end within its timeoutMs of 200 ms',
        'True 2 timeout: attempt 2 of task "slow" did not end within its timeoutMs of 200 ms',
    ]
    info = invocation.get()
    assert (info.status, info.attempt, info.result) == (InvocationStatus.FAILED, 2, None)
    assert [run.status for run in runs(app, "on_timeout")] == [InvocationStatus.SUCCESS]
    with pytest.raises(LookupError, match="call it from a task function"):
        nenc.current_invocation()
    with pytest.raises(ValueError, match="timeout_ms must be a positive int"):
        app.task(name="bad", timeout_ms=0)(slow)


def echo_nothing() -> str:
    return "noticed"
