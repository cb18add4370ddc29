"""Traces through the Python SDK (opentelemetry-api): the caller's context travels with
invoke and emit, and each attempt runs in a consumer span that is its child."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from support import wait_until

from nenc import Nenc, TriggerBuilder

_exporter = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(_exporter))
# The global provider can be set once per process: this module's spans all go to _exporter.
trace.set_tracer_provider(_provider)


@pytest.fixture(autouse=True)
def _fresh_spans() -> None:
    _exporter.clear()


def source(n: int) -> int:
    return n


def follow(n: int) -> int:
    return n * 10


def on_signal() -> str:
    return "signalled"


def broken() -> None:
    raise ValueError("broken on purpose")


def _span(name: str) -> ReadableSpan:
    return wait_until(
        lambda: next((s for s in _exporter.get_finished_spans() if s.name == name), None), f"the {name} span"
    )


def test_attempt_spans_continue_the_callers_trace_through_triggers_and_events(app: Nenc) -> None:
    source_task = app.task(source)
    app.task(triggers=TriggerBuilder().on_success(source_task).with_args_from_cel("{'n': result}"))(follow)
    app.task(triggers=TriggerBuilder().on_event("signal"))(on_signal)
    tracer = trace.get_tracer("test")
    with app.start_worker(concurrency=2):
        with tracer.start_as_current_span("caller") as caller:
            assert source_task(n=2).result == 2
        with tracer.start_as_current_span("emitter") as emitter:
            app.trigger.emit_event("signal", {})
        spans = {name: _span(name) for name in ("source", "follow", "on_signal")}
    caller_context, emitter_context = caller.get_span_context(), emitter.get_span_context()
    # Without an exporter on the orchestrator, contexts are handed on as they came.
    for name in ("source", "follow"):
        span = spans[name]
        assert span.kind == SpanKind.CONSUMER
        assert span.context is not None and span.context.trace_id == caller_context.trace_id
        assert span.parent is not None and span.parent.span_id == caller_context.span_id
    signalled = spans["on_signal"]
    assert signalled.context is not None and signalled.context.trace_id == emitter_context.trace_id
    assert signalled.parent is not None and signalled.parent.span_id == emitter_context.span_id
    assert spans["source"].attributes is not None
    assert spans["source"].attributes["messaging.destination.name"] == "source"


def test_a_failed_attempt_records_its_exception(app: Nenc) -> None:
    task = app.task(broken)
    with app.start_worker():
        with pytest.raises(Exception, match="broken on purpose"):
            _ = task().result
        span = _span("broken")
    assert span.status.status_code == StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]
    assert span.parent is None
