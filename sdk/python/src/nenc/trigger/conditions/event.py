"""The context of an event condition (``on_event``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EventContext:
    """An event was emitted."""

    event_id: str
    event_code: str
    payload: dict[str, Any] = field(default_factory=dict)
    timestamp: datetime | None = None
