"""The seed's Python blocks (sdk/python/examples), run against a real orchestrator.

Each test loads one example unchanged, starts a worker for its app, invokes the
source tasks or emits the events the seed implies, and checks with exact counts and
values that the triggered tasks ran with the arguments the seed implies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType

import pytest
from support import arguments_of, runs, settle, successful_runs

from nenc import InvocationInfo, InvocationStatus, TaskFailedError

Load = Callable[[str], ModuleType]


def test_basic_usage(example: Load) -> None:
    ex = example("basic_usage")
    with ex.app.start_worker(concurrency=4):
        first, second = ex.source_task(1), ex.source_task(x=2)
        assert (first.result, second.result) == ("Processed 1", "Processed 2")
        settle(ex.app, ["notification_task"], [first.id, second.id])

        notified = successful_runs(ex.app, "notification_task", 2)
        assert len(runs(ex.app, "notification_task")) == 2
        assert [run.result for run in notified] == ["Source task completed successfully"] * 2
        assert sorted(
            run.provenance.source_invocation_ids[0] for run in notified if run.provenance
        ) == sorted([first.id, second.id])
        assert arguments_of(notified) == [{}, {}]


def test_statuses_and_results(example: Load) -> None:
    ex = example("statuses_and_results")
    handlers = [
        "success_handler",
        "result_handler",
        "specific_result_handler",
        "combined_and_trigger",
        "combined_or_trigger",
    ]
    with ex.app.start_worker(concurrency=4):
        five_halves = ex.division_task(5, 2)
        assert five_halves.result == 2.5
        settle(ex.app, handlers, [five_halves.id])
        # One successful division is one occurrence: each matching handler runs once, OR never twice.
        assert {task: len(runs(ex.app, task)) for task in handlers} == dict.fromkeys(handlers, 1)

        two = ex.division_task(4, 2)
        assert two.result == 2
        by_zero = ex.division_task(1, 0)
        with pytest.raises(TaskFailedError) as failure:
            by_zero.wait(timeout=15)
        assert failure.value.remote_type == "ZeroDivisionError"
        assert failure.value.chain[:3] == ["ZeroDivisionError", "ArithmeticError", "Exception"]
        settle(ex.app, handlers, [two.id])

        counts = {task: len(successful_runs(ex.app, task, 1)) for task in handlers}
        assert counts == {
            "success_handler": 2,
            "result_handler": 2,
            "specific_result_handler": 1,  # only 5 / 2 == 2.5
            "combined_and_trigger": 2,
            "combined_or_trigger": 2,
        }
        assert [run.result for run in runs(ex.app, "specific_result_handler")] == [
            "Division produced exactly 2.5"
        ]
        sources = {
            run.provenance.source_invocation_ids[0]
            for run in runs(ex.app, "combined_or_trigger")
            if run.provenance
        }
        assert sources == {five_halves.id, two.id}
        assert by_zero.status is InvocationStatus.FAILED


def test_exception_handling(example: Load) -> None:
    ex = example("exception_handling")
    reports = ["report_div_zero_error", "report_value_error", "report_any_exception"]
    with ex.app.start_worker(concurrency=4):
        by_zero, negative, fine = ex.divide(10, 0), ex.divide(-1, 2), ex.divide(6, 3)
        assert fine.result == 2
        for failed in (by_zero, negative):
            with pytest.raises(TaskFailedError):
                failed.wait(timeout=15)
        settle(ex.app, reports, [by_zero.id, negative.id])

        zero_args = {
            "original_args": "x=10, y=0",
            "exception_type": "ZeroDivisionError",
            "exception_message": "division by zero",
        }
        value_args = {
            "original_args": "x=-1, y=2",
            "exception_type": "ValueError",
            "exception_message": "Negative numbers not allowed",
        }
        div_zero = successful_runs(ex.app, "report_div_zero_error", 1)
        assert arguments_of(div_zero) == [zero_args]
        assert div_zero[0].result == "Division with x=10, y=0 failed with ZeroDivisionError: division by zero"
        assert arguments_of(successful_runs(ex.app, "report_value_error", 1)) == [value_args]
        any_exception = successful_runs(ex.app, "report_any_exception", 2)
        assert sorted(arguments_of(any_exception), key=str) == sorted([zero_args, value_args], key=str)
        assert [len(runs(ex.app, task)) for task in reports] == [1, 1, 2]


def test_argument_providers(example: Load) -> None:
    ex = example("argument_providers")
    with ex.app.start_worker(concurrency=4):
        urgent, routine = ex.process_data({"priority": "high", "id": 1}), ex.process_data({"priority": "low"})
        urgent_result, routine_result = urgent.result, routine.result
        assert urgent_result["processed"] == {"priority": "high", "id": 1}
        assert isinstance(urgent_result["timestamp"], float)
        settle(ex.app, ["notify_with_static_args", "notify_with_dynamic_args"], [urgent.id, routine.id])

        static = successful_runs(ex.app, "notify_with_static_args", 2)
        assert arguments_of(static) == [{"notification_level": "info", "include_details": True}] * 2
        assert [run.result for run in static] == ["Notification sent with level info"] * 2

        dynamic = {
            run.provenance.source_invocation_ids[0]: run
            for run in successful_runs(ex.app, "notify_with_dynamic_args", 2)
            if run.provenance
        }
        assert dynamic[urgent.id].arguments == {
            "notification_level": "urgent",
            "include_details": True,
            "source_data": urgent_result,
        }
        assert dynamic[urgent.id].result == f"URGENT notification with data: {urgent_result}"
        assert dynamic[routine.id].arguments == {
            "notification_level": "info",
            "include_details": False,
            "source_data": routine_result,
        }
        assert dynamic[routine.id].result == "INFO notification sent"
        assert len(runs(ex.app, "notify_with_dynamic_args")) == 2


def test_filters(example: Load) -> None:
    ex = example("filters")
    targets = [
        "notify_high_priority",
        "notify_large_order",
        "log_completed_order",
        "request_manager_approval",
    ]
    with ex.app.start_worker(concurrency=4):
        high = ex.process_order("o1", 50.0, "high")
        large = ex.process_order("o2", 2000.0)
        huge = ex.process_order(order_id="o3", amount=6000.0, priority="normal")
        assert high.result == {"order_id": "o1", "status": "completed", "amount": 50}
        assert large.get().arguments == {"order_id": "o2", "amount": 2000}
        huge.wait(timeout=15)
        settle(ex.app, targets, [high.id, large.id, huge.id])

        def sources(task: str) -> list[str]:
            return sorted(
                run.provenance.source_invocation_ids[0] for run in runs(ex.app, task) if run.provenance
            )

        assert sources("notify_high_priority") == [high.id]
        assert sources("notify_large_order") == sorted([large.id, huge.id])
        assert sources("log_completed_order") == sorted([high.id, large.id, huge.id])
        assert sources("request_manager_approval") == [huge.id]
        assert [run.result for run in successful_runs(ex.app, "request_manager_approval", 1)] == [
            "Manager approval requested for large order"
        ]


def test_events(example: Load) -> None:
    ex = example("events")
    targets = ["log_user_login", "notify_admin_login", "record_login_attempt"]
    with ex.app.start_worker(concurrency=4):
        before = time.time()
        user_event = ex.emit_login_event("u1", "10.0.0.1")
        admin_event = ex.emit_login_event("a1", "10.0.0.2", role="admin")
        after = time.time()
        assert isinstance(user_event, str) and user_event and user_event != admin_event
        settle(ex.app, targets, [user_event, admin_event])

        assert [run.provenance.event_ids for run in runs(ex.app, "notify_admin_login") if run.provenance] == [
            [admin_event]
        ]
        assert len(successful_runs(ex.app, "log_user_login", 2)) == 2
        recorded = {
            run.provenance.event_ids[0]: run
            for run in successful_runs(ex.app, "record_login_attempt", 2)
            if run.provenance
        }
        assert set(recorded) == {user_event, admin_event}
        for event_id, user, ip in ((user_event, "u1", "10.0.0.1"), (admin_event, "a1", "10.0.0.2")):
            arguments = recorded[event_id].arguments
            assert (arguments["user_id"], arguments["source_ip"]) == (user, ip)
            assert before <= arguments["timestamp"] <= after
            assert recorded[event_id].result == f"Login recorded for user {user} from {ip}"
        assert [len(runs(ex.app, task)) for task in targets] == [2, 1, 2]


def test_programmatic_trigger(example: Load) -> None:
    ex = example("programmatic")  # importing it registered the runtime trigger
    [trigger] = ex.app.trigger.list(target_task_id="notification_task")
    assert (trigger.origin, trigger.logic, len(trigger.conditions)) == ("runtime", "and", 2)
    with ex.app.start_worker(concurrency=4):
        first, second = ex.data_processor({"id": 1}), ex.data_processor({"id": 2})
        assert first.result == {"processed": True, "input": {"id": 1}}
        second.wait(timeout=15)
        settle(ex.app, ["notification_task"], [first.id, second.id])

        notified = {
            run.provenance.source_invocation_ids[0]: run
            for run in successful_runs(ex.app, "notification_task", 2)
            if run.provenance and run.provenance.trigger_id == trigger.id
        }
        assert notified[first.id].arguments == {
            "result": {"processed": True, "input": {"id": 1}},
            "level": "success",
        }
        # Objects travel as protobuf Structs, which do not keep key order: the SDK sorts keys.
        assert (
            notified[first.id].result
            == "SUCCESS: Data processed with result {'input': {'id': 1}, 'processed': True}"
        )
        assert notified[second.id].arguments["result"] == {"processed": True, "input": {"id": 2}}
        assert len(runs(ex.app, "notification_task")) == 2

        ex.app.trigger.pause(trigger.id)
        third = ex.data_processor({"id": 3})
        third.wait(timeout=15)
        settle(ex.app, ["notification_task"], [third.id])
        skipped = [
            e for e in ex.app.trigger.explain(trigger.id).evaluations if e.occurrence_id.startswith(third.id)
        ]
        assert [e.outcome for e in skipped] == ["skipped"]
        assert len(runs(ex.app, "notification_task")) == 2

        ex.app.trigger.resume(trigger.id)
        assert ex.app.trigger.get(trigger.id).paused is False
        ex.app.trigger.delete(trigger.id)
        assert ex.app.trigger.list(target_task_id="notification_task") == []


def test_cron_scheduling(example: Load) -> None:
    ex = example("cron_scheduling")
    # Declared triggers are registered when a worker starts, not at import.
    assert ex.app.trigger.list(app_id=ex.app.app_id) == []
    with ex.app.start_worker(concurrency=2):
        triggers = {
            task: ex.app.trigger.list(target_task_id=task) for task in ("scheduled_task", "half_hour_task")
        }
        assert {task: [info.conditions for info in found] for task, found in triggers.items()} == {
            "scheduled_task": [
                [{"cron": {"expression": "* * * * *", "timezone": "UTC", "misfire": "MISFIRE_POLICY_SKIP"}}]
            ],
            "half_hour_task": [
                [
                    {
                        "cron": {
                            "expression": "*/30 * * * *",
                            "timezone": "UTC",
                            "misfire": "MISFIRE_POLICY_SKIP",
                        }
                    }
                ]
            ],
        }
        # The every-minute task runs at its next slot (at most a minute away).
        [first] = successful_runs(ex.app, "scheduled_task", 1, timeout=75)
        slot = _cron_slot(first)
        assert slot.second == 0 and slot.microsecond == 0
        assert first.created_at is not None and 0 <= (first.created_at - slot).total_seconds() < 5
        assert first.result.startswith("Executed at ")

        # Once per slot: every run of either task is for a distinct slot of its schedule.
        for task, minutes in (("scheduled_task", range(60)), ("half_hour_task", (0, 30))):
            slots = [_cron_slot(run) for run in runs(ex.app, task)]
            assert len(slots) == len(set(slots))
            assert all(s.minute in minutes and s.second == 0 for s in slots)
        fired = [
            e
            for e in ex.app.trigger.explain(triggers["scheduled_task"][0].id).evaluations
            if e.outcome == "fired"
        ]
        assert len(fired) == len(runs(ex.app, "scheduled_task"))


def _cron_slot(run: InvocationInfo) -> datetime:
    """The scheduled slot of a cron-triggered run, from its occurrence id `cron:<trigger>:<i>:<ms>`."""
    assert run.provenance is not None
    [occurrence] = run.provenance.occurrence_ids
    assert occurrence.startswith("cron:")
    return datetime.fromtimestamp(int(occurrence.rsplit(":", 1)[1]) / 1000, UTC)
