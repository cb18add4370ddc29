"""The context of an exception condition (``on_exception``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nenc.trigger.conditions.base import TaskContext


@dataclass(frozen=True)
class ExceptionContext(TaskContext):
    """An invocation failed for good with an exception."""

    exception_type: str = ""
    exception_message: str = ""
    exception_chain: list[str] = field(default_factory=list)
    """Class names, most specific first (the MRO of a Python exception)."""
    stack: str = ""
