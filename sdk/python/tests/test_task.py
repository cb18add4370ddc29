"""Tasks: ids, argument binding, and declaration errors (no orchestrator needed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from nenc import Nenc, RetryPolicy, TriggerBuilder
from nenc.invocation.handle import Invocation


class RecordingApp(Nenc):
    """An app whose invoke() records the request instead of sending it."""

    def __init__(self) -> None:
        super().__init__(url="http://127.0.0.1:1", app_id="unit")
        self.sent: list[tuple[str, dict[str, Any], str | None]] = []

    def invoke(
        self, task_id: str, arguments: Mapping[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> Invocation[Any]:
        self.sent.append((task_id, dict(arguments or {}), idempotency_key))
        return Invocation(f"inv_{len(self.sent)}", task_id, self.clients)


@pytest.fixture
def app() -> RecordingApp:
    return RecordingApp()


def test_positional_arguments_are_bound_to_parameter_names(app: RecordingApp) -> None:
    @app.task
    def divide(x: int, y: int) -> float:
        return x / y

    invocation = divide(10, 0)
    assert (invocation.id, invocation.task_id) == ("inv_1", "divide")
    divide(10, y=2)
    assert app.sent == [("divide", {"x": 10, "y": 0}, None), ("divide", {"x": 10, "y": 2}, None)]


def test_defaults_stay_with_the_function_and_var_keywords_are_flattened(app: RecordingApp) -> None:
    @app.task
    def process_order(order_id: str, amount: float, priority: str = "normal", **extra: Any) -> dict[str, Any]:
        return {}

    process_order("o1", 10.0)
    process_order("o2", 5.0, "high", channel="web")
    assert [arguments for _, arguments, _ in app.sent] == [
        {"order_id": "o1", "amount": 10.0},
        {"order_id": "o2", "amount": 5.0, "priority": "high", "channel": "web"},
    ]


def test_calls_that_do_not_fit_the_signature_are_refused(app: RecordingApp) -> None:
    @app.task
    def source_task(x: int) -> str:
        return str(x)

    with pytest.raises(TypeError, match="source_task: too many positional arguments"):
        source_task(1, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="source_task: missing a required argument: 'x'"):
        source_task()  # type: ignore[call-arg]
    assert app.sent == []


def test_arguments_must_be_json(app: RecordingApp) -> None:
    @app.task
    def schedule(when: Any) -> None:
        return None

    with pytest.raises(TypeError, match=r"schedule: arguments\.when: date is not JSON-serialisable"):
        schedule(date(2025, 1, 1))
    with pytest.raises(TypeError, match=r"schedule: arguments\.when\.big: the integer .* is beyond ±2\*\*53"):
        schedule({"big": 2**60})
    assert app.sent == []


def test_invoke_takes_a_dict_and_an_idempotency_key(app: RecordingApp) -> None:
    @app.task(name="source")
    def source_task(x: int) -> str:
        return str(x)

    source_task.invoke({"x": (1, 2)}, idempotency_key="k1")
    assert app.sent == [("source", {"x": [1, 2]}, "k1")]
    assert (source_task.id, source_task.fn(3)) == ("source", "3")


def test_declaration_errors(app: RecordingApp) -> None:
    def positional_only(x: int, /) -> int:
        return x

    def var_positional(*values: int) -> int:
        return sum(values)

    with pytest.raises(TypeError, match="task positional_only: parameter x, / cannot be named"):
        app.task(positional_only)
    with pytest.raises(TypeError, match=r"task var_positional: parameter \*values cannot be named"):
        app.task(var_positional)
    with pytest.raises(ValueError, match=r"pass name=\.\.\. for a lambda"):
        app.task(lambda: None)

    @app.task
    def twice() -> None:
        return None

    with pytest.raises(ValueError, match='task twice is declared twice in app "unit"'):
        app.task(name="twice")(twice.fn)
    with pytest.raises(TypeError, match="triggers holds str; pass TriggerBuilder"):
        app.task(triggers=["on_success"])(var_positional)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="TriggerBuilder: add a condition"):
        app.task(triggers=TriggerBuilder())(var_positional)
    assert list(app.tasks) == ["twice"]


def test_triggers_and_retry_options(app: RecordingApp) -> None:
    @app.task
    def source() -> None:
        return None

    @app.task(
        triggers=[TriggerBuilder().on_success(source), TriggerBuilder().on_failure("source")],
        retry=RetryPolicy(max_retries=3, initial_backoff_ms=50, retry_on=(ConnectionError, "TimeoutError")),
    )
    def handler() -> None:
        return None

    @app.task(retry=2)
    def flaky() -> None:
        return None

    assert len(handler.triggers) == 2
    assert handler.retry is not None and handler.retry.retry_on_names() == ["ConnectionError", "TimeoutError"]
    assert flaky.retry == RetryPolicy(max_retries=2)
    with pytest.raises(ValueError, match="max_retries must be an int ≥ 0"):
        RetryPolicy(max_retries=-1)


def test_app_reads_its_url_and_id_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NENC_URL", "http://orchestrator:9000")
    monkeypatch.setenv("NENC_APP_ID", "shop")
    app = Nenc()
    assert (app.url, app.app_id, app.clients.target) == (
        "http://orchestrator:9000",
        "shop",
        "orchestrator:9000",
    )
    monkeypatch.delenv("NENC_URL")
    monkeypatch.delenv("NENC_APP_ID")
    assert (Nenc().url, Nenc().app_id) == ("http://127.0.0.1:7070", "default")
    assert Nenc(url="127.0.0.1:7171").clients.target == "127.0.0.1:7171"
    with pytest.raises(ValueError, match='url: "ftp://host" must start with http:// or https://'):
        Nenc(url="ftp://host")
    with pytest.raises(ValueError, match="has a path"):
        Nenc(url="http://host:1/api")
