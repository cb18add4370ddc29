"""Triggers across languages, on one orchestrator with a Python and a TypeScript worker.

(a) a Python task's ZeroDivisionError triggers a TypeScript task (fixtures/ts_worker.ts);
(b) a TypeScript task's result triggers a Python task (Python filter and provider);
(c) one event emitted from Go (``go run ./cmd/nenc-emit`` in sdk/go) triggers a
    TypeScript task and a Python task.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support import REPO_ROOT, Process, child_env, runs, settle, start_orchestrator, successful_runs

from nenc import EventContext, Nenc, ResultContext, TaskFailedError, TriggerBuilder, WorkerHandle

# The Python app's tasks, filters and providers (module-level, as trigger functions must be).


def divide(x: int, y: int) -> float:
    return x / y


def is_big_square(result: dict[str, Any]) -> bool:
    return bool(result["square"] >= 100)


def args_from_square(ctx: ResultContext) -> dict[str, Any]:
    return {
        "n": ctx.result["n"],
        "square": ctx.result["square"],
        "from_task": ctx.task_id,
        "language": ctx.result["language"],
    }


def record_square(n: int, square: int, from_task: str, language: str) -> str:
    return f"python saw {from_task} ({language}) square {n} into {square}"


def args_from_order(ctx: EventContext) -> dict[str, Any]:
    return {"order_id": ctx.payload["orderId"], "amount": ctx.payload["amount"], "event_id": ctx.event_id}


def on_order_created(order_id: str, amount: float, event_id: str) -> str:
    return f"python saw {order_id} for {amount}"


@dataclass
class Languages:
    url: str
    app: Nenc
    worker: WorkerHandle
    ts_worker: Process


@pytest.fixture(scope="module")
def languages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Languages]:
    logs = tmp_path_factory.mktemp("cross-language")
    orchestrator, url = start_orchestrator(logs / "orchestrator.log")
    ts_worker: Process | None = None
    app = Nenc(url=url, app_id="py-xlang")
    try:
        app.task(divide)
        app.task(
            triggers=TriggerBuilder()
            .on_result("ts_square", filter_result=is_big_square)
            .with_args_from_result(args_from_square)
        )(record_square)
        app.task(
            name="py_on_order_created",
            triggers=TriggerBuilder().on_event("order.created").with_args_from_event(args_from_order),
        )(on_order_created)
        worker = app.start_worker(concurrency=4)
        ts_worker = Process(
            ["node", "--import", "tsx", "sdk/python/tests/fixtures/ts_worker.ts"],
            REPO_ROOT,
            child_env(NENC_URL=url, NENC_APP_ID="ts-xlang"),
            logs / "ts-worker.log",
        )
        ts_worker.wait_for_line(r"^READY$", timeout=60)
        yield Languages(url, app, worker, ts_worker)
    finally:
        app.close()
        if ts_worker is not None:
            ts_worker.stop()
        orchestrator.stop()


def test_python_exception_triggers_typescript_task(languages: Languages) -> None:
    app = languages.app
    by_zero = app.tasks["divide"](10, 0)
    not_arithmetic = app.tasks["divide"]("ten", 2)  # TypeError: not an ArithmeticError
    for failing in (by_zero, not_arithmetic):
        with pytest.raises(TaskFailedError):
            failing.wait(timeout=15)
    settle(app, ["ts_report_python_error"], [by_zero.id, not_arithmetic.id])

    [report] = successful_runs(app, "ts_report_python_error", 1)
    assert report.app_id == "ts-xlang"
    assert report.provenance is not None and report.provenance.source_invocation_ids == [by_zero.id]
    assert report.arguments == {
        "sourceTask": "divide",
        "originalArgs": {"x": 10, "y": 0},
        "exceptionType": "ZeroDivisionError",
        "exceptionMessage": "division by zero",
        "exceptionChain": ["ZeroDivisionError", "ArithmeticError", "Exception", "BaseException"],
    }
    assert report.result == "typescript saw divide fail with ZeroDivisionError: division by zero"
    assert len(runs(app, "ts_report_python_error")) == 1


def test_typescript_result_triggers_python_task(languages: Languages) -> None:
    app = languages.app
    big, small = app.invoke("ts_square", {"n": 12}), app.invoke("ts_square", {"n": 3})
    assert big.result == {"n": 12, "square": 144, "language": "typescript"}
    assert small.result == {"n": 3, "square": 9, "language": "typescript"}
    settle(app, ["record_square"], [big.id, small.id])

    [recorded] = successful_runs(app, "record_square", 1)
    assert recorded.app_id == "py-xlang"
    assert recorded.provenance is not None and recorded.provenance.source_invocation_ids == [big.id]
    assert recorded.arguments == {"n": 12, "square": 144, "from_task": "ts_square", "language": "typescript"}
    assert recorded.result == "python saw ts_square (typescript) square 12 into 144"
    assert len(runs(app, "record_square")) == 1


def test_event_from_go_triggers_typescript_and_python_tasks(languages: Languages) -> None:
    app = languages.app
    emitted = subprocess.run(
        [
            "go",
            "run",
            "./cmd/nenc-emit",
            "-url",
            languages.url,
            "-code",
            "order.created",
            "-payload",
            json.dumps({"orderId": "o-42", "amount": 99.5}),
        ],
        cwd=REPO_ROOT / "sdk" / "go",
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert emitted.returncode == 0, f"nenc-emit failed: {emitted.stderr}"
    event_id = json.loads(emitted.stdout)["eventId"]
    settle(app, ["ts_on_order_created", "py_on_order_created"], [event_id])

    [typescript] = successful_runs(app, "ts_on_order_created", 1)
    assert typescript.provenance is not None and typescript.provenance.event_ids == [event_id]
    assert typescript.arguments == {"orderId": "o-42", "amount": 99.5}
    assert typescript.result == "typescript saw o-42 for 99.5"

    [python] = successful_runs(app, "py_on_order_created", 1)
    assert python.provenance is not None and python.provenance.event_ids == [event_id]
    assert python.arguments == {"order_id": "o-42", "amount": 99.5, "event_id": event_id}
    assert python.result == "python saw o-42 for 99.5"
    assert [len(runs(app, task)) for task in ("ts_on_order_created", "py_on_order_created")] == [1, 1]
