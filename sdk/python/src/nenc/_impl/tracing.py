"""OpenTelemetry, when the application has it.

The SDK sends the active span's context with every invoke and event, and runs each
attempt in a consumer span that is a child of the invocation's context (the
orchestrator hands it over with the assignment). Through ``opentelemetry-api`` only,
an optional dependency (``pip install nenc[otel]``): the application installs and
configures the OpenTelemetry SDK and exporter it wants. Without the API, nothing is traced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

try:
    from opentelemetry import trace as _trace
    from opentelemetry.context import Context
except ImportError:  # pragma: no cover - the tests run with the API installed
    _trace = None  # type: ignore[assignment]

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def current_traceparent() -> str:
    """The active span's context as a W3C traceparent ("" when none, or no OpenTelemetry)."""
    if _trace is None:
        return ""
    context = _trace.get_current_span().get_span_context()
    if not context.is_valid:
        return ""
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


@contextmanager
def attempt_span(task_id: str, invocation_id: str, attempt: int, traceparent: str) -> Iterator[None]:
    """Runs the body in a consumer span named after the task, a child of ``traceparent``.

    The span is current while the task runs, so what it invokes or emits continues
    the trace; an exception is recorded on it (and re-raised).
    """
    if _trace is None:
        yield
        return
    tracer = _trace.get_tracer("nenc")
    attributes: dict[str, str | int] = {
        "messaging.system": "nenc",
        "messaging.operation.type": "process",
        "messaging.destination.name": task_id,
        "nenc.invocation.id": invocation_id,
        "nenc.attempt": attempt,
    }
    with tracer.start_as_current_span(
        task_id, context=_parent(traceparent), kind=_trace.SpanKind.CONSUMER, attributes=attributes
    ):
        yield


def _parent(traceparent: str) -> Context:
    """The invocation's context as a remote parent; an empty context (a new trace) when it has none."""
    assert _trace is not None
    match = _TRACEPARENT.match(traceparent)
    if match is None:
        return Context()
    span_context = _trace.SpanContext(
        trace_id=int(match.group(1), 16),
        span_id=int(match.group(2), 16),
        is_remote=True,
        trace_flags=_trace.TraceFlags(int(match.group(3), 16)),
    )
    if not span_context.is_valid:
        return Context()
    return _trace.set_span_in_context(_trace.NonRecordingSpan(span_context), Context())
