"""The context of a result condition (``on_result``, ``on_any_result``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nenc.trigger.conditions.base import TaskContext


@dataclass(frozen=True)
class ResultContext(TaskContext):
    """An invocation succeeded with ``result`` (its JSON value)."""

    result: Any = None
