"""The statuses of an invocation (the seed's ``pynenc.invocation.status``)."""

from __future__ import annotations

from enum import StrEnum


class InvocationStatus(StrEnum):
    """Where an invocation is in its lifecycle.

    A ``str`` enum: ``InvocationStatus.SUCCESS == "SUCCESS"``, so builders accept
    members and (case-insensitive) names alike.
    """

    REGISTERED = "REGISTERED"
    """Stored and queued, waiting for a worker with free capacity."""
    PENDING = "PENDING"
    """Assigned to a worker, not yet started."""
    RUNNING = "RUNNING"
    """The worker started running the task function."""
    SUCCESS = "SUCCESS"
    """Finished with a result. Final."""
    FAILED = "FAILED"
    """Finished with an error and no retry left. Final."""
    RETRY = "RETRY"
    """Failed an attempt; waits for its backoff, then is queued again."""

    @property
    def is_final(self) -> bool:
        return self in (InvocationStatus.SUCCESS, InvocationStatus.FAILED)

    @classmethod
    def parse(cls, status: str, where: str = "status") -> InvocationStatus:
        """A status from a member or a case-insensitive name; ValueError names the valid ones."""
        if isinstance(status, InvocationStatus):
            return status
        if isinstance(status, str):
            try:
                return cls(status.strip().upper())
            except ValueError:
                pass
        valid = ", ".join(member.value for member in cls)
        raise ValueError(f"{where}: unknown status {status!r}; use one of {valid}")
