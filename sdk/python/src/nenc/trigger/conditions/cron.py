"""The context of a cron condition (``on_cron``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CronContext:
    """A cron slot came due."""

    scheduled_time: datetime
    """The slot, not the wall time at which it fired."""
    fired_at: datetime
    last_scheduled_time: datetime | None = None
    """The slot before this one; None for the first."""
