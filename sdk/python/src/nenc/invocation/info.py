"""What the SDK shows of an invocation: plain dataclasses, never protos."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nenc.invocation.status import InvocationStatus


@dataclass(frozen=True)
class TaskErrorInfo:
    """The error a task function raised, as its worker reported it."""

    type: str
    message: str
    chain: list[str]
    """Class names, most specific first (a Python MRO, a JS prototype chain)."""
    stack: str = ""


@dataclass(frozen=True)
class Provenance:
    """Why a triggered invocation exists."""

    trigger_id: str
    occurrence_ids: list[str]
    source_invocation_ids: list[str]
    event_ids: list[str]


@dataclass(frozen=True)
class InvocationInfo:
    """A snapshot of one invocation."""

    id: str
    task_id: str
    app_id: str
    status: InvocationStatus
    arguments: dict[str, Any]
    """The named arguments (kwargs) the task function receives."""
    result: Any = None
    """The JSON result, when ``status`` is SUCCESS."""
    error: TaskErrorInfo | None = None
    attempt: int = 1
    provenance: Provenance | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    worker_id: str = field(default="", repr=False)

    @property
    def trigger_id(self) -> str | None:
        """The trigger that created this invocation, if one did."""
        return self.provenance.trigger_id if self.provenance else None
