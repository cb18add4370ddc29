"""The context of a status condition (``on_status``, ``on_success``, ``on_failure``)."""

from __future__ import annotations

from dataclasses import dataclass

from nenc.trigger.conditions.base import TaskContext


@dataclass(frozen=True)
class StatusContext(TaskContext):
    """An invocation reached a status."""
