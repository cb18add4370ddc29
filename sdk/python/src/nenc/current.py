"""The invocation a task function is running: ``nenc.current_invocation()``."""

from __future__ import annotations

import threading
from contextvars import ContextVar, Token


class CurrentInvocation:
    """What a running task knows of its attempt, and whether it was cancelled.

    ``cancelled`` turns True when the orchestrator ended the attempt without the
    worker: the task's ``timeout_ms`` passed (the attempt already failed with
    TimeoutError) or its work was taken back. Check it between steps of a long task
    (or block on :meth:`wait_cancelled`) and return early: the worker's slot stays
    busy until the function returns.
    """

    __slots__ = ("_event", "_reason", "attempt", "invocation_id", "task_id")

    def __init__(self, invocation_id: str, task_id: str, attempt: int) -> None:
        self.invocation_id = invocation_id
        self.task_id = task_id
        self.attempt = attempt
        """1 for the first attempt."""
        self._event = threading.Event()
        self._reason: str | None = None

    @property
    def cancelled(self) -> bool:
        """True once the orchestrator told the worker to abort this attempt."""
        return self._event.is_set()

    @property
    def cancel_reason(self) -> str | None:
        """Why it was cancelled ("timeout", "not started"), with the orchestrator's message; None before."""
        return self._reason

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        """Blocks until the attempt is cancelled (True) or ``timeout`` seconds pass (False)."""
        return self._event.wait(timeout)

    def cancel(self, reason: str) -> None:
        """Marks the attempt cancelled (the worker calls it on the orchestrator's abort)."""
        if not self._event.is_set():
            self._reason = reason
            self._event.set()

    def __repr__(self) -> str:
        return (
            f"CurrentInvocation({self.invocation_id!r}, task={self.task_id!r}, attempt={self.attempt}, "
            f"cancelled={self.cancelled})"
        )


_current: ContextVar[CurrentInvocation | None] = ContextVar("nenc_current_invocation", default=None)


def current_invocation() -> CurrentInvocation:
    """The invocation the calling task function runs (sync or ``async def``, in the worker).

    Example::

        @app.task(timeout_ms=30_000)
        def crunch(items: list[int]) -> int:
            total = 0
            for item in items:
                if nenc.current_invocation().cancelled:
                    raise TimeoutError("gave up")
                total += slow_step(item)
            return total

    Raises LookupError outside a task function run by a worker.
    """
    current = _current.get()
    if current is None:
        raise LookupError("current_invocation(): call it from a task function that a worker runs")
    return current


def running(current: CurrentInvocation) -> Token[CurrentInvocation | None]:
    """Makes ``current`` the current invocation in this context; returns the token to reset it."""
    return _current.set(current)


def reset(token: Token[CurrentInvocation | None]) -> None:
    """Restores the context that ``running`` changed."""
    _current.reset(token)
