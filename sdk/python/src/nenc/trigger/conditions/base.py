"""What every context of a task occurrence carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nenc.invocation.status import InvocationStatus


@dataclass(frozen=True)
class Arguments:
    """The named arguments of an invocation: ``ctx.arguments.kwargs``, as in the seed."""

    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskContext:
    """An invocation of ``task_id`` reached ``status`` at ``timestamp``."""

    invocation_id: str
    task_id: str
    arguments: Arguments
    status: InvocationStatus
    timestamp: datetime
